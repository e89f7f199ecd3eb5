using System.Diagnostics;
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
/// so a step that repeats a shape does no native allocation and no heuristic query. For small m (decode),
/// where the heuristic's first pick is often not the fastest, a shape's first call times the heuristic's
/// top candidates on the call's own operands and keeps the fastest; a CUDA-graph capture must therefore
/// come after an eager call of the same shapes, as the runner does.
/// </summary>
public sealed unsafe class CublasLtGemm : IDisposable
{
    private readonly CublasLtHandle _handle;
    private readonly MatmulDescHandle _desc;
    private readonly MatmulPreferenceHandle _preference;
    private readonly DeviceBuffer _workspace;
    private const int Candidates = 8;
    private const int AutotuneMaxM = 512;

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
        if (!_plans.TryGetValue((m, n, k, output), out var plan))
            plan = CreatePlan(m, n, k, output, x, w, y, stream, tune: !accumulate && m <= AutotuneMaxM);
        Matmul(plan.A, plan.B, plan.C, plan.Algo, x, w, y, accumulate, stream);
    }

    private void Matmul(MatrixLayoutHandle a, MatrixLayoutHandle b, MatrixLayoutHandle c, CublasLtAlgo algo,
        ulong x, ulong w, ulong y, bool accumulate, CudaStream stream)
    {
        var alpha = 1.0f;
        var beta = accumulate ? 1.0f : 0.0f;
        CheckCublas(cublasLtMatmul(
            _handle.DangerousGetHandle(), _desc.DangerousGetHandle(), &alpha,
            w, a.DangerousGetHandle(), x, b.DangerousGetHandle(), &beta,
            y, c.DangerousGetHandle(), y, c.DangerousGetHandle(),
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

    private Plan CreatePlan(int m, int n, int k, GemmOutput output, ulong x, ulong w, ulong y, CudaStream stream, bool tune)
    {
        var a = Layout(CUDA_R_16BF, (ulong)k, (ulong)n, k);
        var b = Layout(CUDA_R_16BF, (ulong)k, (ulong)m, k);
        var c = Layout((int)output, (ulong)n, (ulong)m, n);
        var results = stackalloc CublasLtHeuristicResult[Candidates];
        CheckCublas(cublasLtMatmulAlgoGetHeuristic(
            _handle.DangerousGetHandle(), _desc.DangerousGetHandle(), a.DangerousGetHandle(), b.DangerousGetHandle(),
            c.DangerousGetHandle(), c.DangerousGetHandle(), _preference.DangerousGetHandle(), tune ? Candidates : 1, results, out var found),
            nameof(cublasLtMatmulAlgoGetHeuristic));
        if (found == 0)
            throw new CudaException(nameof(cublasLtMatmulAlgoGetHeuristic), 0, "NO_ALGORITHM", $"no algorithm for m={m} n={n} k={k} {output}");
        var best = 0;
        if (found > 1)
        {
            var bestTime = double.MaxValue;
            for (var i = 0; i < found; i++)
            {
                if (results[i].State != 0 || results[i].WorkspaceSize > (nuint)_workspace.Bytes)
                    continue;
                var time = TimeAlgo(a, b, c, results[i].Algo, x, w, y, stream);
                if (time < bestTime)
                {
                    bestTime = time;
                    best = i;
                }
            }
        }
        var plan = new Plan(a, b, c, results[best].Algo);
        _plans[(m, n, k, output)] = plan;
        return plan;
    }

    // Wall time of a burst of launches after a warm-up; the launch overhead is the same for every candidate.
    private double TimeAlgo(MatrixLayoutHandle a, MatrixLayoutHandle b, MatrixLayoutHandle c, CublasLtAlgo algo,
        ulong x, ulong w, ulong y, CudaStream stream)
    {
        for (var i = 0; i < 2; i++)
            Matmul(a, b, c, algo, x, w, y, accumulate: false, stream);
        stream.Synchronize();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
            Matmul(a, b, c, algo, x, w, y, accumulate: false, stream);
        stream.Synchronize();
        return watch.Elapsed.TotalMicroseconds;
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
