using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace DynamoOrleans.Engine.Backends.Cuda.Compilation;

/// <summary>
/// The CUDA C kernels embedded in this assembly (Kernels/*.cu), joined after Kernels/common.cuh into one
/// translation unit so that they compile, cache and load as one module. The tensor-core kernels
/// (Kernels/TensorCore/*.cu) form a second module with the same header, loaded only when asked for.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "cuda-kernels/";
    private const string TensorCorePrefix = "cuda-tc-kernels/";

    private static readonly Lazy<string> s_source = new(() => Load(Prefix));
    private static readonly Lazy<string> s_tensorCoreSource = new(() => Load(TensorCorePrefix));

    public static string Source => s_source.Value;

    /// <summary>common.cuh and the tensor-core kernels (mma.sync, sm_80 and later).</summary>
    public static string TensorCoreSource => s_tensorCoreSource.Value;

    /// <summary>Hex SHA-256 of the source: part of the CUBIN cache key.</summary>
    public static string Hash(string source, IEnumerable<string> options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n//" + string.Join(' ', options))))[..24];

    private static string Load(string prefix)
    {
        var assembly = typeof(KernelSources).Assembly;
        var all = assembly.GetManifestResourceNames();
        var header = all.SingleOrDefault(n => n == Prefix + "common.cuh")
            ?? throw new InvalidOperationException($"embedded resource {Prefix}common.cuh is missing from {assembly.GetName().Name}");
        var text = new StringBuilder(Read(assembly, header));
        foreach (var name in all.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".cu", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            text.Append("\n// ---- ").Append(name[prefix.Length..]).Append('\n').Append(Read(assembly, name));
        return text.ToString();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
