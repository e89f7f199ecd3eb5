using System.Reflection;
using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>
/// Finds the CUDA driver, NVRTC and cuBLASLt by their CUDA 13 and 12 sonames. <see cref="NativeMethods"/>
/// imports logical names ("cuda", "nvrtc", "cublasLt"); the resolver maps each to the first soname that
/// loads, so one build runs against either toolkit and a machine without one gets an error that says
/// what is missing and where it was looked for.
/// </summary>
internal static class CudaLibraries
{
    internal const string Driver = "cuda";
    internal const string Nvrtc = "nvrtc";
    internal const string CublasLt = "cublasLt";

    private static readonly string[] s_searchDirectories =
    [
        "/usr/local/cuda/lib64",
        "/usr/local/cuda/targets/x86_64-linux/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/local/nvidia/lib64",
    ];

    private static readonly Dictionary<string, string[]> s_sonames = new()
    {
        [Driver] = ["libcuda.so.1", "libcuda.so"],
        [Nvrtc] = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"],
        [CublasLt] = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"],
    };

    private static readonly Dictionary<string, nint> s_loaded = [];
    private static readonly Lock s_lock = new();
    private static int s_registered;

    /// <summary>Installs the resolver for this assembly; idempotent.</summary>
    internal static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
            NativeLibrary.SetDllImportResolver(typeof(CudaLibraries).Assembly, Resolve);
    }

    /// <summary>Loads every library the backend needs, or throws one error naming each that is missing.</summary>
    internal static void EnsureLoaded()
    {
        Register();
        List<string>? missing = null;
        foreach (var name in s_sonames.Keys)
        {
            if (TryLoad(name, out _, out var tried))
                continue;
            (missing ??= []).Add($"{name} (tried {string.Join(", ", tried)})");
        }
        if (missing is not null)
            throw new CudaUnavailableException(
                $"CUDA libraries not found: {string.Join("; ", missing)}. Looked in the loader's default path" +
                $" (LD_LIBRARY_PATH, ldconfig) and in {string.Join(", ", s_searchDirectories)}.");
    }

    /// <summary>True when the driver library loads; <paramref name="reason"/> says why not otherwise.</summary>
    internal static bool TryLoadDriver(out string reason)
    {
        if (TryLoad(Driver, out _, out _))
        {
            reason = "";
            return true;
        }
        reason = "no CUDA driver (libcuda.so.1) found";
        return false;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        s_sonames.ContainsKey(libraryName) && TryLoad(libraryName, out var handle, out _) ? handle : 0;

    private static bool TryLoad(string logicalName, out nint handle, out List<string> tried)
    {
        tried = [];
        lock (s_lock)
        {
            if (s_loaded.TryGetValue(logicalName, out handle))
                return true;
            foreach (var soname in s_sonames[logicalName])
            {
                tried.Add(soname);
                if (NativeLibrary.TryLoad(soname, out handle))
                    break;
                foreach (var dir in s_searchDirectories)
                {
                    var path = Path.Combine(dir, soname);
                    if (File.Exists(path) && NativeLibrary.TryLoad(path, out handle))
                        break;
                }
                if (handle != 0)
                    break;
            }
            if (handle == 0)
                return false;
            s_loaded[logicalName] = handle;
            return true;
        }
    }
}
