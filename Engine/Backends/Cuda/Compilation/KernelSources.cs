using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace DynamoOrleans.Engine.Backends.Cuda.Compilation;

/// <summary>
/// The CUDA C kernels embedded in this assembly (Kernels/*.cu), joined after Kernels/common.cuh into one
/// translation unit so that they compile, cache and load as one module.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "cuda-kernels/";

    private static readonly Lazy<string> s_source = new(Load);

    public static string Source => s_source.Value;

    /// <summary>Hex SHA-256 of the source: part of the CUBIN cache key.</summary>
    public static string Hash(string source, IEnumerable<string> options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source + "\n//" + string.Join(' ', options))))[..24];

    private static string Load()
    {
        var assembly = typeof(KernelSources).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        var header = names.SingleOrDefault(n => n.EndsWith(".cuh", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded resource {Prefix}common.cuh is missing from {assembly.GetName().Name}");
        var text = new StringBuilder(Read(assembly, header));
        foreach (var name in names.Where(n => n.EndsWith(".cu", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            text.Append("\n// ---- ").Append(name[Prefix.Length..]).Append('\n').Append(Read(assembly, name));
        return text.ToString();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
