using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>cuBLASLt (libcublasLt): GEMMs with bf16 operands and fp32 accumulation. Layouts are column-major.</summary>
internal static unsafe partial class NativeMethods
{
    internal const int CUBLAS_COMPUTE_32F = 68;
    internal const int CUDA_R_32F = 0;
    internal const int CUDA_R_16BF = 14;
    internal const int CUBLAS_OP_N = 0;
    internal const int CUBLAS_OP_T = 1;
    internal const int CUBLASLT_MATMUL_DESC_TRANSA = 3;
    internal const int CUBLASLT_MATMUL_DESC_TRANSB = 4;
    internal const int CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;

    /// <summary>cublasLtMatmulHeuristicResult_t: the 64-byte opaque algo, then its workspace size, state and waves.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CublasLtHeuristicResult
    {
        internal CublasLtAlgo Algo;
        internal nuint WorkspaceSize;
        internal int State;
        internal float WavesCount;
        internal fixed int Reserved[4];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct CublasLtAlgo
    {
        internal fixed ulong Data[8];
    }

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial nint cublasLtGetStatusName(int status);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial nuint cublasLtGetVersion();

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtCreate(out nint handle);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtDestroy(nint handle);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulDescCreate(out nint desc, int computeType, int scaleType);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulDescDestroy(nint desc);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulDescSetAttribute(nint desc, int attribute, void* value, nuint size);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatrixLayoutCreate(out nint layout, int type, ulong rows, ulong cols, long ld);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatrixLayoutDestroy(nint layout);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulPreferenceCreate(out nint preference);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulPreferenceDestroy(nint preference);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulPreferenceSetAttribute(nint preference, int attribute, void* value, nuint size);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmulAlgoGetHeuristic(
        nint handle, nint operationDesc, nint aDesc, nint bDesc, nint cDesc, nint dDesc,
        nint preference, int requestedAlgoCount, CublasLtHeuristicResult* results, out int returnAlgoCount);

    [LibraryImport(CudaLibraries.CublasLt)]
    internal static partial int cublasLtMatmul(
        nint handle, nint computeDesc, void* alpha,
        ulong a, nint aDesc, ulong b, nint bDesc, void* beta,
        ulong c, nint cDesc, ulong d, nint dDesc,
        CublasLtAlgo* algo, ulong workspace, nuint workspaceBytes, nint stream);

    internal static void CheckCublas(int status, string call)
    {
        if (status != 0)
            throw new CudaException(call, status, CublasStatusName(status));
    }

    private static string CublasStatusName(int status)
    {
        try
        {
            return Marshal.PtrToStringUTF8(cublasLtGetStatusName(status)) ?? "CUBLAS_STATUS_UNKNOWN";
        }
        catch (EntryPointNotFoundException)
        {
            return "CUBLAS_STATUS_UNKNOWN";
        }
    }
}
