using DynamoOrleans.Engine.Backends.Cuda;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>
/// A fact that needs a CUDA GPU. Where there is none (CI, laptops) it is skipped with the reason, e.g.
/// "no CUDA driver (libcuda.so.1) found", instead of failing.
/// </summary>
public sealed class GpuFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_skipReason = new(() => CudaDevice.IsAvailable(out var reason) ? null : reason);

    public GpuFactAttribute()
    {
        if (s_skipReason.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that needs a CUDA GPU; skipped like <see cref="GpuFactAttribute"/> where there is none.</summary>
public sealed class GpuTheoryAttribute : TheoryAttribute
{
    public GpuTheoryAttribute()
    {
        if (!CudaDevice.IsAvailable(out var reason))
            Skip = reason;
    }
}
