// Embedding, norms, activation and row gathers: one block per token row, memory-bound.

// out[t] (fp32 residual stream) = table[ids[t]].
extern "C" __global__ void embedding_gather(float* __restrict__ out, const bf16* __restrict__ table,
                                            const int* __restrict__ ids, int hidden)
{
    kernel_start();
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
    kernel_start();
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

// out[t, i] = silu(gate_up[t, 2i]) * gate_up[t, 2i + 1]: gate and up come from one GEMM whose weight rows
// interleave them (see gemv.cu's SwiGLU form, which does this in the GEMV's epilogue for decode).
extern "C" __global__ void silu_mul(bf16* __restrict__ out, const bf16* __restrict__ gate_up, int inter)
{
    kernel_start();
    const int t = blockIdx.x;
    const unsigned* g = reinterpret_cast<const unsigned*>(gate_up + (long long)t * 2 * inter);
    bf16* o = out + (long long)t * inter;
    for (int i = threadIdx.x; i < inter; i += blockDim.x)
    {
        const unsigned pair = g[i];
        const float x = __uint_as_float(pair << 16), up = __uint_as_float(pair & 0xffff0000u);
        o[i] = f2bf(x / (1.0f + expf(-x)) * up);
    }
}

// out[r] = in[rows[r]]: picks the rows whose logits are wanted (each sequence's last token).
extern "C" __global__ void gather_rows(bf16* __restrict__ out, const bf16* __restrict__ in,
                                       const int* __restrict__ rows, int width)
{
    kernel_start();
    const int r = blockIdx.x;
    const bf16* src = in + (long long)rows[r] * width;
    bf16* dst = out + (long long)r * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) dst[i] = src[i];
}
