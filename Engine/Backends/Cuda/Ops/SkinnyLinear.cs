using DynamoOrleans.Engine.Backends.Cuda.Blas;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// Linear layers of few rows (decode of a few sequences): per shape, whichever of our GEMV kernels and
/// cuBLASLt is faster, decided on the shape's first call by timing both as CUDA graphs (so launch costs,
/// which graphs remove, do not decide). On an H100 the GEMV wins at one row on most shapes and cuBLASLt at
/// eight rows on all of them (bench/results/cuda-kernels-h100.md), so no fixed row bound would do.
/// The first call of a shape must not come during a graph capture; the runner's eager first steps see to
/// that, and a shape first met while capturing takes cuBLASLt.
/// </summary>
public sealed class SkinnyLinear(CudaOps ops, CublasLtGemm gemm)
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
        if (!CudaOps.GemvFits(m, k))
        {
            gemm.Linear(x, w, y, m, n, k, output, stream);
            return;
        }
        var key = (m, n, k, output);
        if (!_useGemv.TryGetValue(key, out var gemv))
        {
            if (stream.IsCapturing)
            {
                gemm.Linear(x, w, y, m, n, k, output, stream);
                return;
            }
            // cuBLASLt's own autotune happens in its warm-up call.
            gemv = GraphTimer.MeanMicroseconds(stream, _ => ops.Gemv(x, w, y, m, n, k, output, stream), TimedLaunches)
                < GraphTimer.MeanMicroseconds(stream, _ => gemm.Linear(x, w, y, m, n, k, output, stream), TimedLaunches);
            _useGemv[key] = gemv;
        }
        if (gemv)
            ops.Gemv(x, w, y, m, n, k, output, stream);
        else
            gemm.Linear(x, w, y, m, n, k, output, stream);
    }

    /// <summary>
    /// The MLP's input half: <c>activated = silu(gate) · up</c> of <c>x · wᵀ</c>, w's rows interleaving gate and
    /// up. Either the SwiGLU GEMV (one kernel, the product in its epilogue) or cuBLASLt into
    /// <paramref name="gateUp"/> ([m, n] bf16 scratch) then silu_mul; per shape, the faster pair as timed.
    /// </summary>
    public void LinearSwiGlu(ulong x, ulong w, ulong gateUp, ulong activated, int m, int n, int k, CudaStream stream)
    {
        void Unfused()
        {
            gemm.Linear(x, w, gateUp, m, n, k, GemmOutput.Bf16, stream);
            ops.SiluMul(activated, gateUp, m, n / 2, stream);
        }

        if (!CudaOps.GemvFits(m, k) || n % 2 != 0)
        {
            Unfused();
            return;
        }
        var key = (m, n, k);
        if (!_useSwiGluGemv.TryGetValue(key, out var gemv))
        {
            if (stream.IsCapturing)
            {
                Unfused();
                return;
            }
            gemv = GraphTimer.MeanMicroseconds(stream, _ => ops.GemvSwiGlu(x, w, activated, m, n, k, stream), TimedLaunches)
                < GraphTimer.MeanMicroseconds(stream, _ => Unfused(), TimedLaunches);
            _useSwiGluGemv[key] = gemv;
        }
        if (gemv)
            ops.GemvSwiGlu(x, w, activated, m, n, k, stream);
        else
            Unfused();
    }
}
