using System.Runtime.InteropServices;
using System.Text;
using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda.Compilation;

/// <summary>Compiles CUDA C to CUBIN for one architecture with NVRTC; compile errors carry NVRTC's log.</summary>
public static unsafe class NvrtcCompiler
{
    public static string Version()
    {
        CudaLibraries.EnsureLoaded();
        CheckNvrtc(nvrtcVersion(out var major, out var minor), nameof(nvrtcVersion));
        return $"{major}.{minor}";
    }

    public static IReadOnlyList<string> Options(string architecture) =>
        [$"--gpu-architecture={architecture}", "--std=c++17", "-default-device", "--restrict"];

    public static byte[] Compile(string source, string name, IReadOnlyList<string> options)
    {
        CudaLibraries.EnsureLoaded();
        CheckNvrtc(nvrtcCreateProgram(out var raw, source, name, 0, 0, 0), nameof(nvrtcCreateProgram));
        using var program = new NvrtcProgramHandle(raw);
        var encoded = new nint[options.Count];
        try
        {
            for (var i = 0; i < options.Count; i++)
                encoded[i] = Marshal.StringToCoTaskMemUTF8(options[i]);
            int result;
            fixed (nint* p = encoded)
                result = nvrtcCompileProgram(raw, options.Count, (byte**)p);
            if (result != 0)
                CheckNvrtc(result, nameof(nvrtcCompileProgram), $"{name} with {string.Join(' ', options)}:\n{Log(raw)}");
        }
        finally
        {
            foreach (var p in encoded)
                Marshal.FreeCoTaskMem(p);
        }
        CheckNvrtc(nvrtcGetCUBINSize(raw, out var size), nameof(nvrtcGetCUBINSize));
        var cubin = new byte[(int)size];
        fixed (byte* p = cubin)
            CheckNvrtc(nvrtcGetCUBIN(raw, p), nameof(nvrtcGetCUBIN));
        return cubin;
    }

    private static string Log(nint program)
    {
        if (nvrtcGetProgramLogSize(program, out var size) != 0 || size <= 1)
            return "";
        var log = new byte[(int)size];
        fixed (byte* p = log)
            nvrtcGetProgramLog(program, p);
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }
}
