// Skinny linear layers for decode: y[m, n] = x[m, k] · w[n, k]ᵀ with m ≤ 8 token rows, bf16 operands, fp32
// accumulation. At so few rows a linear layer is one pass over its weights, so the kernel is built for bytes
// in flight rather than FLOPs: each warp owns GEMV_ROWS rows of w and streams them with 16-byte loads, the
// loop unrolled so several loads per lane are outstanding; the few x rows come from L1/L2 and are shared by
// the warp's rows. cuBLASLt's general kernels reach about half of HBM bandwidth at these shapes.
// Needs k % 8 == 0 and 16-byte aligned x, w (the runner checks). Block GEMV_WARPS * 32; grid
// ceil(n / (GEMV_WARPS / ksplit * GEMV_ROWS)).
//
// ksplit (1, 2 or 4, dividing GEMV_WARPS): how many warps share a row group, each taking every ksplit-th round of
// its rows, their sums added in a fixed order through shared memory. A layer with few rows (Qwen3-0.6B's O and down
// projections: 1024 rows, 128 blocks at ksplit 1) would otherwise put one block on each SM with its rows' later rounds
// fetched only after the first arrive; split, the whole matrix is requested at once by 4x the blocks. ksplit 1
// gives the same bits as before the option existed.

// Guarded so that bench/Engine.Bench's cuda-kernels can compile variants with -D-style prefixes.
#ifndef GEMV_ROWS
#define GEMV_ROWS 2
#endif
#ifndef GEMV_WARPS
#define GEMV_WARPS 4
#endif
#ifndef GEMV_UNROLL
#define GEMV_UNROLL 4 // 16-byte loads per row a lane issues before it uses the first
#endif
#ifndef GEMV_PREFETCH_BYTES
#define GEMV_PREFETCH_BYTES 4096 // of each row past the first round, fetched into L2 before the wait
#endif

// What the kernel writes: y as bf16 or fp32, or (SWIGLU) silu(gate) * up of row pairs. For SWIGLU, w's rows
// interleave the gate and up projections (row 2i is gate row i, 2i + 1 is up row i; the runner uploads them so),
// so a warp's row pair (GEMV_ROWS is even) holds both halves of one activation and y is [m, n / 2]. Each half is
// rounded to bf16 before the product, as the unfused GEMM + silu_mul path rounds them, so both give the same bits.
#define GEMV_OUT_BF16 0
#define GEMV_OUT_F32 1
#define GEMV_OUT_SWIGLU 2
#define GEMV_OUT_RESIDUAL 3 // y is the fp32 residual stream: y += bf16(x · wᵀ), as a bf16 projection then add_rmsnorm's add

// Where x comes from: bf16 rows, or (NORM) rmsnorm(residual) · norm_weight of the fp32 residual stream, computed by
// every block into shared memory, so a decode layer needs no separate add_rmsnorm launch (the O and down projections
// add into the residual with GEMV_OUT_RESIDUAL). The normed row is rounded to bf16 as add_rmsnorm rounds it.
// NORM needs M · k · 2 bytes of dynamic shared memory (the runner keeps it within 48 KB).
#define GEMV_IN_BF16 0
#define GEMV_IN_NORM 1

// One round of weight loads: GEMV_UNROLL 16-byte pieces of each of the warp's rows, all issued before any is
// used (bytes in flight are what a GEMV needs); pieces past the row end read as zeros.
__device__ __forceinline__ void gemv_load_round(uint4 (&wv)[GEMV_UNROLL][GEMV_ROWS], const uint4* const (&wr)[GEMV_ROWS], int i0, int k8)
{
#pragma unroll
    for (int u = 0; u < GEMV_UNROLL; u++)
    {
        const int i = i0 + 32 * u;
#pragma unroll
        for (int r = 0; r < GEMV_ROWS; r++) { const uint4 zero = {0u, 0u, 0u, 0u}; wv[u][r] = i < k8 ? wr[r][i] : zero; }
    }
}

// Before the wait: the bytes of the warp's rows that follow the first round (up to GEMV_PREFETCH_BYTES of each) into
// L2, so that the rounds after the wait hit L2 instead of HBM. Capped because a row of a wide layer (an 8B model's
// down projection: 28 KB) times the rows of the resident blocks would not fit L2; at k <= 1024 the first round
// is the whole row and there is nothing to fetch.
// A warp's rounds are slice, slice + ksplit, slice + 2 ksplit, ... of each row (see ksplit above).
__device__ __forceinline__ void gemv_prefetch_rest(const uint4* const (&wr)[GEMV_ROWS], int lane, int k, int slice, int ksplit)
{
    constexpr int round_bytes = 32 * GEMV_UNROLL * 16;
    for (int p = 128 * lane; p < GEMV_PREFETCH_BYTES; p += 32 * 128)
    {
        const int off = (slice + ksplit * (1 + p / round_bytes)) * round_bytes + p % round_bytes;
        if (off >= 2 * k) break;
#pragma unroll
        for (int r = 0; r < GEMV_ROWS; r++) prefetch_l2(reinterpret_cast<const char*>(wr[r]) + off);
    }
}

// rmsnorm(residual[m]) · weight of the M rows into xs (bf16, [M, k]), by the whole block.
template <int M>
__device__ __forceinline__ void gemv_norm_rows(bf16* __restrict__ xs, const float* __restrict__ residual,
                                               const bf16* __restrict__ weight, float eps, int k)
{
    const int k4 = k >> 2;
#pragma unroll
    for (int m = 0; m < M; m++)
    {
        const float4* r = reinterpret_cast<const float4*>(residual + (long long)m * k);
        float ss = 0.0f;
        for (int i = threadIdx.x; i < k4; i += blockDim.x)
        {
            const float4 v = r[i];
            ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
        }
        const float inv = rsqrtf(block_sum(ss) / k + eps);
        for (int i = threadIdx.x; i < k4; i += blockDim.x)
        {
            const float4 v = r[i];
            bf16* o = xs + (long long)m * k + 4 * i;
            const bf16* g = weight + 4 * i;
            o[0] = f2bf(v.x * inv * bf2f(g[0]));
            o[1] = f2bf(v.y * inv * bf2f(g[1]));
            o[2] = f2bf(v.z * inv * bf2f(g[2]));
            o[3] = f2bf(v.w * inv * bf2f(g[3]));
        }
    }
    __syncthreads();
}

template <int M, int OUT, int IN = GEMV_IN_BF16>
__device__ __forceinline__ void gemv(void* __restrict__ y, const void* __restrict__ x, const bf16* __restrict__ w, int n, int k,
                                     int ksplit, const bf16* __restrict__ norm_weight = nullptr, float eps = 0.0f)
{
    static_assert(OUT != GEMV_OUT_SWIGLU || GEMV_ROWS % 2 == 0, "SwiGLU pairs rows within a warp");
    constexpr int round = 32 * GEMV_UNROLL; // 16-byte pieces of a row one round of a warp covers
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int slice = warp % ksplit;
    const int row0 = (blockIdx.x * (GEMV_WARPS / ksplit) + warp / ksplit) * GEMV_ROWS;
    const int k8 = k >> 3;
    const uint4* wr[GEMV_ROWS];
#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++)
        wr[r] = reinterpret_cast<const uint4*>(w + (long long)min(row0 + r, n - 1) * k); // past n: re-read, not written
    extern __shared__ uint4 gemv_normed[];
    const uint4* xr = IN == GEMV_IN_NORM ? gemv_normed : reinterpret_cast<const uint4*>(x);

    uint4 wv[GEMV_UNROLL][GEMV_ROWS];
    // Weights are written by no kernel, so the first round streams in (and the next ones into L2) while the
    // previous kernel finishes (programmatic dependent launch); x is that kernel's output, read only after the wait.
    kernel_prewait_begin();
    gemv_load_round(wv, wr, slice * round + lane, k8);
    gemv_prefetch_rest(wr, lane, k, slice, ksplit);
    kernel_prewait_end();
    if (IN == GEMV_IN_NORM)
        gemv_norm_rows<M>(reinterpret_cast<bf16*>(gemv_normed), reinterpret_cast<const float*>(x), norm_weight, eps, k);
    if (ksplit == 1 && row0 >= n) return; // split warps meet at a barrier below; past n they only write nothing

    float acc[GEMV_ROWS][M];
#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
        for (int m = 0; m < M; m++) acc[r][m] = 0.0f;

    for (int i0 = slice * round + lane;;)
    {
#pragma unroll
        for (int u = 0; u < GEMV_UNROLL; u++)
        {
            const int i = i0 + 32 * u;
            if (i >= k8) break;
            float wf[GEMV_ROWS][8];
#pragma unroll
            for (int r = 0; r < GEMV_ROWS; r++) unpack_bf16x8(wv[u][r], wf[r]);
#pragma unroll
            for (int m = 0; m < M; m++)
            {
                float xf[8];
                unpack_bf16x8(xr[m * k8 + i], xf);
#pragma unroll
                for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
                    for (int j = 0; j < 8; j++) acc[r][m] = fmaf(xf[j], wf[r][j], acc[r][m]);
            }
        }
        i0 += ksplit * round;
        if (i0 >= k8) break;
        gemv_load_round(wv, wr, i0, k8);
    }

#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
        for (int m = 0; m < M; m++) acc[r][m] = warp_sum(acc[r][m]);
    if (ksplit > 1)
    {
        // The group's slices add up in slice order, so the bits do not depend on which warp finished first.
        __shared__ float gemv_slices[GEMV_WARPS][GEMV_ROWS][M];
        if (lane == 0)
#pragma unroll
            for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
                for (int m = 0; m < M; m++) gemv_slices[warp][r][m] = acc[r][m];
        __syncthreads();
        if (slice != 0 || row0 >= n) return;
#pragma unroll
        for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
            for (int m = 0; m < M; m++)
            {
                float v = acc[r][m];
                for (int s = 1; s < ksplit; s++) v += gemv_slices[warp + s][r][m];
                acc[r][m] = v;
            }
    }

#pragma unroll
    for (int r = 0; r < GEMV_ROWS; r++)
#pragma unroll
        for (int m = 0; m < M; m++)
        {
            if (OUT == GEMV_OUT_SWIGLU)
            {
                if (r % 2 == 1) continue; // written with the gate row before it
                const float gate = bf2f(f2bf(acc[r][m]));
                const float up = bf2f(f2bf(acc[r + 1][m]));
                if (lane == 0 && row0 + r < n)
                    reinterpret_cast<bf16*>(y)[(long long)m * (n >> 1) + ((row0 + r) >> 1)] = f2bf(gate / (1.0f + expf(-gate)) * up);
            }
            else
            {
                const float v = acc[r][m];
                if (lane == 0 && row0 + r < n)
                {
                    const long long at = (long long)m * n + row0 + r;
                    if (OUT == GEMV_OUT_F32) reinterpret_cast<float*>(y)[at] = v;
                    else if (OUT == GEMV_OUT_RESIDUAL) reinterpret_cast<float*>(y)[at] += bf2f(f2bf(v));
                    else reinterpret_cast<bf16*>(y)[at] = f2bf(v);
                }
            }
        }
}

#define GEMV_KERNELS(M)                                                                                            \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
        gemv_m##M##_bf16(bf16* __restrict__ y, const bf16* __restrict__ x, const bf16* __restrict__ w, int n, int k, int ksplit) \
    { gemv<M, GEMV_OUT_BF16>(y, x, w, n, k, ksplit); }                                                                     \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
        gemv_m##M##_f32(float* __restrict__ y, const bf16* __restrict__ x, const bf16* __restrict__ w, int n, int k, int ksplit) \
    { gemv<M, GEMV_OUT_F32>(y, x, w, n, k, ksplit); }                                                                      \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
        gemv_m##M##_residual(float* __restrict__ residual, const bf16* __restrict__ x, const bf16* __restrict__ w, int n, int k, int ksplit) \
    { gemv<M, GEMV_OUT_RESIDUAL>(residual, x, w, n, k, ksplit); }                                                          \
    GEMV_NORM_KERNEL(M, bf16, GEMV_OUT_BF16)                                                                       \
    GEMV_SWIGLU_KERNEL(M)

// The norm forms (x = rmsnorm(residual) · norm_weight, see GEMV_IN_NORM), kernel gemv_mM_norm_NAME.
#define GEMV_NORM_KERNEL(M, NAME, OUT)                                                                             \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
        gemv_m##M##_norm_##NAME(bf16* __restrict__ y, const float* __restrict__ residual, const bf16* __restrict__ norm_weight, \
                                float eps, const bf16* __restrict__ w, int n, int k, int ksplit)                   \
    { gemv<M, OUT, GEMV_IN_NORM>(y, residual, w, n, k, ksplit, norm_weight, eps); }

// Variants with an odd row count (bench/Engine.Bench's cuda-kernels compiles some) have no SwiGLU form.
#if GEMV_ROWS % 2 == 0
#define GEMV_SWIGLU_KERNEL(M)                                                                                      \
    extern "C" __global__ void __launch_bounds__(GEMV_WARPS * 32)                                                  \
        gemv_m##M##_swiglu(bf16* __restrict__ y, const bf16* __restrict__ x, const bf16* __restrict__ w, int n, int k, int ksplit) \
    { gemv<M, GEMV_OUT_SWIGLU>(y, x, w, n, k, ksplit); }                                                                   \
    GEMV_NORM_KERNEL(M, swiglu, GEMV_OUT_SWIGLU)
#else
#define GEMV_SWIGLU_KERNEL(M)
#endif

GEMV_KERNELS(1)
GEMV_KERNELS(2)
GEMV_KERNELS(3)
GEMV_KERNELS(4)
GEMV_KERNELS(5)
GEMV_KERNELS(6)
GEMV_KERNELS(7)
GEMV_KERNELS(8)
