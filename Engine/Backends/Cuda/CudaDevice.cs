using System.Text;
using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>
/// One GPU through its primary context. CUDA contexts are current per thread, so every entry point that
/// may run on a new thread calls <see cref="MakeCurrent"/> first; it is cheap.
/// </summary>
public sealed unsafe class CudaDevice : IDisposable
{
    private readonly CudaContextHandle _context;

    private CudaDevice(int ordinal, CudaContextHandle context)
    {
        Ordinal = ordinal;
        _context = context;
        MakeCurrent();
        ComputeCapabilityMajor = Attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        ComputeCapabilityMinor = Attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        MultiprocessorCount = Attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        MaxSharedBytesPerBlock = Attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        var name = stackalloc byte[256];
        CheckCuda(cuDeviceGetName(name, 256, context.Device), nameof(cuDeviceGetName));
        Name = Encoding.UTF8.GetString(name, new ReadOnlySpan<byte>(name, 256).IndexOf((byte)0));
    }

    public int Ordinal { get; }

    public string Name { get; }

    public int ComputeCapabilityMajor { get; }

    public int ComputeCapabilityMinor { get; }

    public int MultiprocessorCount { get; }

    /// <summary>Shared memory one block may use when its kernel opts in (227 KB on H100, 99 KB on sm_86/sm_89).</summary>
    public int MaxSharedBytesPerBlock { get; }

    /// <summary>NVRTC's name for this device's architecture, e.g. sm_90.</summary>
    public string Architecture => $"sm_{ComputeCapabilityMajor}{ComputeCapabilityMinor}";

    internal nint Context => _context.DangerousGetHandle();

    /// <summary>True when a driver loads, initialises and reports a device; otherwise says why not.</summary>
    public static bool IsAvailable(out string reason)
    {
        if (!CudaLibraries.TryLoadDriver(out reason))
            return false;
        var init = cuInit(0);
        if (init != 0)
        {
            reason = $"CUDA driver found but cuInit failed: {CudaErrorName(init)}";
            return false;
        }
        if (cuDeviceGetCount(out var count) != 0 || count == 0)
        {
            reason = "CUDA driver found but it reports no device";
            return false;
        }
        reason = "";
        return true;
    }

    public static CudaDevice Open(int ordinal = 0)
    {
        CudaLibraries.EnsureLoaded();
        CheckCuda(cuInit(0), nameof(cuInit));
        CheckCuda(cuDeviceGetCount(out var count), nameof(cuDeviceGetCount));
        if (ordinal < 0 || ordinal >= count)
            throw new CudaUnavailableException($"CUDA device {ordinal} requested; the driver reports {count}");
        CheckCuda(cuDeviceGet(out var device, ordinal), nameof(cuDeviceGet));
        CheckCuda(cuDevicePrimaryCtxRetain(out var context, device), nameof(cuDevicePrimaryCtxRetain));
        return new CudaDevice(ordinal, new CudaContextHandle(context, device));
    }

    public void MakeCurrent() => CheckCuda(cuCtxSetCurrent(Context), nameof(cuCtxSetCurrent));

    public void Synchronize() => CheckCuda(cuCtxSynchronize(), nameof(cuCtxSynchronize));

    public (long Free, long Total) MemoryInfo()
    {
        CheckCuda(cuMemGetInfo(out var free, out var total), nameof(cuMemGetInfo));
        return ((long)free, (long)total);
    }

    public DeviceBuffer Allocate(long bytes) => new(this, bytes);

    public PinnedBuffer AllocatePinned(long bytes) => new(this, bytes);

    public CudaStream CreateStream() => new(this);

    public static int DriverVersion()
    {
        CheckCuda(cuDriverGetVersion(out var version), nameof(cuDriverGetVersion));
        return version;
    }

    public void Dispose() => _context.Dispose();

    private int Attribute(int attribute)
    {
        CheckCuda(cuDeviceGetAttribute(out var value, attribute, _context.Device), nameof(cuDeviceGetAttribute));
        return value;
    }
}
