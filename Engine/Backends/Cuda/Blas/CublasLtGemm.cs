using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda.Blas;

/// <summary>The element type a GEMM writes.</summary>
public enum GemmOutput
{
    Bf16 = CUDA_R_16BF,
    Fp32 = CUDA_R_32F,
}

/// <summary>
/// Row-major linear layers on cuBLASLt: <c>y[m, n] = x[m, k] · w[n, k]ᵀ</c> with bf16 operands and fp32
/// accumulation, w stored as Hugging Face stores it ([out, in]). In cuBLASLt's column-major terms that is
/// <c>yᵀ = w · xᵀ</c>: A = w transposed, B = x. Layouts and the heuristic's algorithm are cached per shape,
/// so a step that repeats a shape does no native allocation and no heuristic query.
/// </summary>
public sealed unsafe class CublasLtGemm : IDisposable
{
    private readonly CublasLtHandle _handle;
    private readonly MatmulDescHandle _desc;
    private readonly MatmulPreferenceHandle _preference;
    private readonly DeviceBuffer _workspace;
    private readonly Dictionary<(int M, int N, int K, GemmOutput Out), Plan> _plans = [];

    public CublasLtGemm(CudaDevice device, long workspaceBytes = 32L << 20)
    {
        CudaLibraries.EnsureLoaded();
        device.MakeCurrent();
        CheckCublas(cublasLtCreate(out var handle), nameof(cublasLtCreate));
        _handle = new CublasLtHandle(handle);
        CheckCublas(cublasLtMatmulDescCreate(out var desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), nameof(cublasLtMatmulDescCreate));
        _desc = new MatmulDescHandle(desc);
        var transA = CUBLAS_OP_T;
        var transB = CUBLAS_OP_N;
        CheckCublas(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &transA, sizeof(int)), nameof(cublasLtMatmulDescSetAttribute));
        CheckCublas(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &transB, sizeof(int)), nameof(cublasLtMatmulDescSetAttribute));
        CheckCublas(cublasLtMatmulPreferenceCreate(out var preference), nameof(cublasLtMatmulPreferenceCreate));
        _preference = new MatmulPreferenceHandle(preference);
        var workspace = (ulong)workspaceBytes;
        CheckCublas(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(ulong)),
            nameof(cublasLtMatmulPreferenceSetAttribute));
        _workspace = device.Allocate(workspaceBytes);
    }

    /// <summary>Queues <c>y = x · wᵀ</c> (or <c>y += x · wᵀ</c> with <paramref name="accumulate"/>).</summary>
    public void Linear(ulong x, ulong w, ulong y, int m, int n, int k, GemmOutput output, CudaStream stream, bool accumulate = false)
    {
        if (m == 0)
            return;
        var plan = PlanFor(m, n, k, output);
        var alpha = 1.0f;
        var beta = accumulate ? 1.0f : 0.0f;
        var algo = plan.Algo;
        CheckCublas(cublasLtMatmul(
            _handle.DangerousGetHandle(), _desc.DangerousGetHandle(), &alpha,
            w, plan.A.DangerousGetHandle(), x, plan.B.DangerousGetHandle(), &beta,
            y, plan.C.DangerousGetHandle(), y, plan.C.DangerousGetHandle(),
            &algo, _workspace.Pointer, (nuint)_workspace.Bytes, stream.Handle), nameof(cublasLtMatmul));
    }

    public void Dispose()
    {
        foreach (var plan in _plans.Values)
            plan.Dispose();
        _plans.Clear();
        _workspace.Dispose();
        _preference.Dispose();
        _desc.Dispose();
        _handle.Dispose();
    }

    private Plan PlanFor(int m, int n, int k, GemmOutput output)
    {
        if (_plans.TryGetValue((m, n, k, output), out var plan))
            return plan;
        var a = Layout(CUDA_R_16BF, (ulong)k, (ulong)n, k);
        var b = Layout(CUDA_R_16BF, (ulong)k, (ulong)m, k);
        var c = Layout((int)output, (ulong)n, (ulong)m, n);
        CublasLtHeuristicResult result;
        CheckCublas(cublasLtMatmulAlgoGetHeuristic(
            _handle.DangerousGetHandle(), _desc.DangerousGetHandle(), a.DangerousGetHandle(), b.DangerousGetHandle(),
            c.DangerousGetHandle(), c.DangerousGetHandle(), _preference.DangerousGetHandle(), 1, &result, out var found),
            nameof(cublasLtMatmulAlgoGetHeuristic));
        if (found == 0)
            throw new CudaException(nameof(cublasLtMatmulAlgoGetHeuristic), 0, "NO_ALGORITHM", $"no algorithm for m={m} n={n} k={k} {output}");
        plan = new Plan(a, b, c, result.Algo);
        _plans[(m, n, k, output)] = plan;
        return plan;
    }

    private static MatrixLayoutHandle Layout(int type, ulong rows, ulong cols, long ld)
    {
        CheckCublas(cublasLtMatrixLayoutCreate(out var layout, type, rows, cols, ld), nameof(cublasLtMatrixLayoutCreate));
        return new MatrixLayoutHandle(layout);
    }

    private sealed class Plan(MatrixLayoutHandle a, MatrixLayoutHandle b, MatrixLayoutHandle c, CublasLtAlgo algo) : IDisposable
    {
        public MatrixLayoutHandle A { get; } = a;

        public MatrixLayoutHandle B { get; } = b;

        public MatrixLayoutHandle C { get; } = c;

        public CublasLtAlgo Algo { get; } = algo;

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
            C.Dispose();
        }
    }
}
