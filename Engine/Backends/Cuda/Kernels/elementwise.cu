// Embedding, norms, activation and row gathers: one block per token row, memory-bound.

// out[t] (fp32 residual stream) = table[ids[t]].
extern "C" __global__ void embedding_gather(float* __restrict__ out, const bf16* __restrict__ table,
                                            const int* __restrict__ ids, int hidden)
{
    const int t = blockIdx.x;
    const bf16* row = table + (long long)ids[t] * hidden;
    float* o = out + (long long)t * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) o[i] = bf2f(row[i]);
}

// residual[t] += add[t] (when add is given), then out[t] = rmsnorm(residual[t]) * weight.
// The residual stream stays fp32 so that 28+ layers of bf16 rounding do not accumulate in it.
extern "C" __global__ void add_rmsnorm(bf16* __restrict__ out, float* __restrict__ residual,
                                       const bf16* __restrict__ add, const bf16* __restrict__ weight,
                                       int hidden, float eps)
{
    const int t = blockIdx.x;
    float* r = residual + (long long)t * hidden;
    const bf16* a = add ? add + (long long)t * hidden : nullptr;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x)
    {
        float v = r[i];
        if (a) { v += bf2f(a[i]); r[i] = v; }
        ss += v * v;
    }
    ss = block_sum(ss);
    const float inv = rsqrtf(ss / hidden + eps);
    bf16* o = out + (long long)t * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) o[i] = f2bf(r[i] * inv * bf2f(weight[i]));
}

// out[t, i] = silu(gate_up[t, i]) * gate_up[t, inter + i]: gate and up come from one fused GEMM.
extern "C" __global__ void silu_mul(bf16* __restrict__ out, const bf16* __restrict__ gate_up, int inter)
{
    const int t = blockIdx.x;
    const bf16* g = gate_up + (long long)t * 2 * inter;
    bf16* o = out + (long long)t * inter;
    for (int i = threadIdx.x; i < inter; i += blockDim.x)
    {
        const float x = bf2f(g[i]);
        o[i] = f2bf(x / (1.0f + expf(-x)) * bf2f(g[inter + i]));
    }
}

// out[r] = in[rows[r]]: picks the rows whose logits are wanted (each sequence's last token).
extern "C" __global__ void gather_rows(bf16* __restrict__ out, const bf16* __restrict__ in,
                                       const int* __restrict__ rows, int width)
{
    const int r = blockIdx.x;
    const bf16* src = in + (long long)rows[r] * width;
    bf16* dst = out + (long long)r * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) dst[i] = src[i];
}
