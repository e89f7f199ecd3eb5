using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>NVRTC (libnvrtc): compiles CUDA C to CUBIN at run time.</summary>
internal static unsafe partial class NativeMethods
{
    internal const int NVRTC_ERROR_COMPILATION = 6;

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcVersion(out int major, out int minor);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial nint nvrtcGetErrorString(int result);

    [LibraryImport(CudaLibraries.Nvrtc, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int nvrtcCreateProgram(
        out nint program, string source, string name, int numHeaders, nint headers, nint includeNames);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcDestroyProgram(ref nint program);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcCompileProgram(nint program, int numOptions, byte** options);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcGetProgramLogSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcGetProgramLog(nint program, byte* log);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcGetCUBINSize(nint program, out nuint size);

    [LibraryImport(CudaLibraries.Nvrtc)]
    internal static partial int nvrtcGetCUBIN(nint program, byte* cubin);

    internal static void CheckNvrtc(int result, string call, string? detail = null)
    {
        if (result != 0)
            throw new CudaException(call, result, Marshal.PtrToStringUTF8(nvrtcGetErrorString(result)) ?? "NVRTC_ERROR", detail);
    }
}
