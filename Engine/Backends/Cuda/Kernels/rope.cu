// Rotary embeddings in Hugging Face's rotate_half layout (dimension i pairs with i + head_dim/2),
// preceded for Qwen3 by an RMSNorm over each query and key head. Works in place on the fused QKV
// rows [T, (Hq + 2 Hkv) * D]. With a cache given (k_cache != null) it also stores each token's finished key
// and its value in the token's slot (slots[t] < 0: not stored), which saves the separate kv_write launch on
// every layer of a decode step; the grid then has Hkv more blocks a token, for the value heads.
// Grid (T, Hq + Hkv [+ Hkv]), block max(32, D/2).
extern "C" __global__ void qk_norm_rope(bf16* __restrict__ qkv, const int* __restrict__ positions,
                                        const float* __restrict__ inv_freq,
                                        const bf16* __restrict__ q_norm, const bf16* __restrict__ k_norm,
                                        bf16* __restrict__ k_cache, bf16* __restrict__ v_cache, const int* __restrict__ slots,
                                        int num_q_heads, int num_kv_heads, int head_dim, float eps)
{
    kernel_start();
    const int t = blockIdx.x, h = blockIdx.y, half = head_dim / 2, i = threadIdx.x;
    const bool active = i < half;
    bf16* x = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * head_dim + (long long)h * head_dim;
    const int slot = k_cache ? slots[t] : -1;
    const int kv_head = h - num_q_heads; // for key heads [0, Hkv), value heads [Hkv, 2 Hkv)
    if (kv_head >= num_kv_heads)
    {
        // A value head: stored as it is.
        if (slot >= 0 && active)
        {
            bf16* dst = v_cache + ((long long)slot * num_kv_heads + kv_head - num_kv_heads) * head_dim;
            dst[i] = x[i];
            dst[i + half] = x[i + half];
        }
        return;
    }
    float x1 = active ? bf2f(x[i]) : 0.0f;
    float x2 = active ? bf2f(x[i + half]) : 0.0f;
    const bf16* w = h < num_q_heads ? q_norm : k_norm;
    if (w)
    {
        const float ss = block_sum(x1 * x1 + x2 * x2);
        const float inv = rsqrtf(ss / head_dim + eps);
        if (active)
        {
            x1 = x1 * inv * bf2f(w[i]);
            x2 = x2 * inv * bf2f(w[i + half]);
        }
    }
    if (!active) return;
    float s, c;
    // fp32 angle = position * inv_freq, as transformers computes it; sincosf keeps full-range accuracy.
    sincosf((float)positions[t] * inv_freq[i], &s, &c);
    const bf16 lo = f2bf(x1 * c - x2 * s), hi = f2bf(x2 * c + x1 * s);
    x[i] = lo;
    x[i + half] = hi;
    if (kv_head >= 0 && slot >= 0)
    {
        bf16* dst = k_cache + ((long long)slot * num_kv_heads + kv_head) * head_dim;
        dst[i] = lo;
        dst[i + half] = hi;
    }
}
