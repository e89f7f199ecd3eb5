using DynamoOrleans.Engine.Backends.Cuda.Blas;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// Linear layers of few rows (decode of a few sequences): per shape, whichever of our GEMV kernels and
/// cuBLASLt is faster, decided on the shape's first call by timing both as CUDA graphs (so launch costs,
/// which graphs remove, do not decide). On an H100 the GEMV wins at one row on most shapes and cuBLASLt at
/// eight rows on all of them (bench/results/cuda-kernels-h100.md), so no fixed row bound would do.
/// The first call of a shape must not come during a graph capture; the runner's eager first steps see to
/// that, and a shape first met while capturing takes cuBLASLt.
/// With <paramref name="alwaysGemv"/> (tests) every shape the GEMV fits takes it, untimed, so two runners decide alike.
/// </summary>
public sealed class SkinnyLinear(CudaOps ops, CublasLtGemm gemm, bool alwaysGemv = false)
{
    private const int TimedLaunches = 20;

    private readonly Dictionary<(int M, int N, int K, GemmOutput Out), bool> _useGemv = [];
    private readonly Dictionary<(int M, int N, int K), bool> _useSwiGluGemv = [];

    /// <summary>Shapes decided so far, and how many of them took the GEMV.</summary>
    public (int Shapes, int Gemv) Decisions =>
        (_useGemv.Count + _useSwiGluGemv.Count, _useGemv.Values.Count(v => v) + _useSwiGluGemv.Values.Count(v => v));

    /// <summary><c>y = x · wᵀ</c>, as <see cref="CublasLtGemm.Linear"/>.</summary>
    public void Linear(ulong x, ulong w, ulong y, int m, int n, int k, GemmOutput output, CudaStream stream)
    {
        if (PrefersGemv(x, w, y, m, n, k, output, stream))
            ops.Gemv(x, w, y, m, n, k, output, stream);
        else
            gemm.Linear(x, w, y, m, n, k, output, stream);
    }

    /// <summary>
    /// Whether <see cref="Linear"/> takes the GEMV for this shape, timing both on its first call (which runs both
    /// kernels into <paramref name="y"/>). Undecided during a graph capture: false, and nothing is decided.
    /// </summary>
    public bool PrefersGemv(ulong x, ulong w, ulong y, int m, int n, int k, GemmOutput output, CudaStream stream)
    {
        if (!CudaOps.GemvFits(m, k))
            return false;
        if (alwaysGemv)
            return true;
        var key = (m, n, k, output);
        if (_useGemv.TryGetValue(key, out var gemv))
            return gemv;
        if (stream.IsCapturing)
            return false;
        // cuBLASLt's own autotune happens in its warm-up call.
        gemv = GraphTimer.MeanMicroseconds(stream, _ => ops.Gemv(x, w, y, m, n, k, output, stream), TimedLaunches)
            < GraphTimer.MeanMicroseconds(stream, _ => gemm.Linear(x, w, y, m, n, k, output, stream), TimedLaunches);
        _useGemv[key] = gemv;
        return gemv;
    }

    /// <summary>
    /// The MLP's input half: <c>activated = silu(gate) · up</c> of <c>x · wᵀ</c>, w's rows interleaving gate and
    /// up. Either the SwiGLU GEMV (one kernel, the product in its epilogue) or cuBLASLt into
    /// <paramref name="gateUp"/> ([m, n] bf16 scratch) then silu_mul; per shape, the faster pair as timed.
    /// </summary>
    public void LinearSwiGlu(ulong x, ulong w, ulong gateUp, ulong activated, int m, int n, int k, CudaStream stream)
    {
        if (PrefersSwiGluGemv(x, w, gateUp, activated, m, n, k, stream))
            ops.GemvSwiGlu(x, w, activated, m, n, k, stream);
        else
            LinearThenSiluMul(x, w, gateUp, activated, m, n, k, stream);
    }

    /// <summary>Whether <see cref="LinearSwiGlu"/> takes the fused GEMV for this shape; decided as <see cref="PrefersGemv"/>.</summary>
    public bool PrefersSwiGluGemv(ulong x, ulong w, ulong gateUp, ulong activated, int m, int n, int k, CudaStream stream)
    {
        if (!CudaOps.GemvFits(m, k) || n % 2 != 0)
            return false;
        if (alwaysGemv)
            return true;
        var key = (m, n, k);
        if (_useSwiGluGemv.TryGetValue(key, out var gemv))
            return gemv;
        if (stream.IsCapturing)
            return false;
        gemv = GraphTimer.MeanMicroseconds(stream, _ => ops.GemvSwiGlu(x, w, activated, m, n, k, stream), TimedLaunches)
            < GraphTimer.MeanMicroseconds(stream, _ => LinearThenSiluMul(x, w, gateUp, activated, m, n, k, stream), TimedLaunches);
        _useSwiGluGemv[key] = gemv;
        return gemv;
    }

    private void LinearThenSiluMul(ulong x, ulong w, ulong gateUp, ulong activated, int m, int n, int k, CudaStream stream)
    {
        gemm.Linear(x, w, gateUp, m, n, k, GemmOutput.Bf16, stream);
        ops.SiluMul(activated, gateUp, m, n / 2, stream);
    }
}
