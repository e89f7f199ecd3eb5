// Paged attention for prefill and decode alike: one block per (query token, KV head, split) serves all
// G = Hq / Hkv query heads of that KV head, so each key and value row is read once per token (GQA).
// A query token at position p attends to keys 0..p of its sequence (causal, cached prefix included):
// prefill, chunked prefill and decode are the same work item. Keys stream through shared memory in
// chunks with an online softmax; for long contexts and few tokens the host splits the key range over
// gridDim.z blocks and attention_combine merges their partial results (split-K, flash-decoding).

#define ATTN_THREADS 128
#define ATTN_WARPS (ATTN_THREADS / 32)
#define ATTN_CHUNK 256
#define ATTN_MAX_G 8

template <int D>
__device__ __forceinline__ void load_lane(const bf16* p, float* out)
{
    constexpr int DL = D / 32;
    if constexpr (DL == 8)
    {
        const uint4 v = *reinterpret_cast<const uint4*>(p);
        const unsigned w[4] = {v.x, v.y, v.z, v.w};
        for (int e = 0; e < 4; e++) { out[2 * e] = __uint_as_float(w[e] << 16); out[2 * e + 1] = __uint_as_float(w[e] & 0xffff0000u); }
    }
    else if constexpr (DL == 4)
    {
        const uint2 v = *reinterpret_cast<const uint2*>(p);
        out[0] = __uint_as_float(v.x << 16); out[1] = __uint_as_float(v.x & 0xffff0000u);
        out[2] = __uint_as_float(v.y << 16); out[3] = __uint_as_float(v.y & 0xffff0000u);
    }
    else if constexpr (DL == 2)
    {
        const unsigned v = *reinterpret_cast<const unsigned*>(p);
        out[0] = __uint_as_float(v << 16); out[1] = __uint_as_float(v & 0xffff0000u);
    }
    else
    {
        out[0] = bf2f(p[0]);
    }
}

template <int D>
__device__ void paged_attention(
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int max_blocks, int block_size, int num_q_heads, int num_kv_heads, int split_len, float scale)
{
    constexpr int DL = D / 32;        // dims per lane when a warp scores one key
    constexpr int PAIRS = D / 2;      // V is accumulated two dims per thread
    constexpr int GROUPS = ATTN_THREADS / PAIRS;

    __shared__ float scores[ATTN_MAX_G][ATTN_CHUNK];
    __shared__ float red[GROUPS > 1 ? GROUPS - 1 : 1][ATTN_MAX_G][D];
    __shared__ float m_s[ATTN_MAX_G], l_s[ATTN_MAX_G], a_s[ATTN_MAX_G];

    const int t = blockIdx.x, kvh = blockIdx.y, z = blockIdx.z;
    const int G = num_q_heads / num_kv_heads;
    const int ctx = positions[t] + 1;
    const int start = z * split_len;
    if (start >= ctx) return;
    const int end = min(ctx, start + split_len);
    const int seq = token_seq[t];
    const int* table = block_tables + (long long)seq * max_blocks;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const long long kv_stride = (long long)num_kv_heads * D;

    float q[ATTN_MAX_G][DL];
    const bf16* qrow = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D + (long long)kvh * G * D;
#pragma unroll
    for (int g = 0; g < ATTN_MAX_G; g++)
    {
        if (g < G)
        {
            load_lane<D>(qrow + g * D + lane * DL, q[g]);
#pragma unroll
            for (int e = 0; e < DL; e++) q[g][e] *= scale;
        }
    }
    if (threadIdx.x < ATTN_MAX_G) { m_s[threadIdx.x] = NEG_INF; l_s[threadIdx.x] = 0.0f; }

    const int pair = threadIdx.x % PAIRS, grp = threadIdx.x / PAIRS;
    float acc[ATTN_MAX_G][2];
#pragma unroll
    for (int g = 0; g < ATTN_MAX_G; g++) { acc[g][0] = 0.0f; acc[g][1] = 0.0f; }

    for (int c0 = start; c0 < end; c0 += ATTN_CHUNK)
    {
        const int n = min(ATTN_CHUNK, end - c0);
        __syncthreads();
        for (int j = warp; j < n; j += ATTN_WARPS)
        {
            const int key = c0 + j;
            const long long slot = (long long)table[key / block_size] * block_size + key % block_size;
            float k[DL];
            load_lane<D>(k_cache + slot * kv_stride + (long long)kvh * D + lane * DL, k);
#pragma unroll
            for (int g = 0; g < ATTN_MAX_G; g++)
            {
                if (g < G)
                {
                    float s = 0.0f;
#pragma unroll
                    for (int e = 0; e < DL; e++) s += q[g][e] * k[e];
                    s = warp_sum(s);
                    if (lane == 0) scores[g][j] = s;
                }
            }
        }
        __syncthreads();
        // One warp per head: the chunk's max, the rescale of what came before, and the probabilities.
        for (int g = warp; g < G; g += ATTN_WARPS)
        {
            float cm = NEG_INF;
            for (int j = lane; j < n; j += 32) cm = fmaxf(cm, scores[g][j]);
            cm = warp_max(cm);
            const float m_old = m_s[g], m_new = fmaxf(m_old, cm);
            const float alpha = expf(m_old - m_new);
            float sum = 0.0f;
            for (int j = lane; j < n; j += 32) { const float p = expf(scores[g][j] - m_new); scores[g][j] = p; sum += p; }
            sum = warp_sum(sum);
            if (lane == 0) { m_s[g] = m_new; l_s[g] = l_s[g] * alpha + sum; a_s[g] = alpha; }
        }
        __syncthreads();
#pragma unroll
        for (int g = 0; g < ATTN_MAX_G; g++)
            if (g < G) { acc[g][0] *= a_s[g]; acc[g][1] *= a_s[g]; }
        for (int j = grp; j < n; j += GROUPS)
        {
            const int key = c0 + j;
            const long long slot = (long long)table[key / block_size] * block_size + key % block_size;
            const unsigned v = *reinterpret_cast<const unsigned*>(v_cache + slot * kv_stride + (long long)kvh * D + 2 * pair);
            const float v0 = __uint_as_float(v << 16), v1 = __uint_as_float(v & 0xffff0000u);
#pragma unroll
            for (int g = 0; g < ATTN_MAX_G; g++)
                if (g < G) { const float p = scores[g][j]; acc[g][0] += p * v0; acc[g][1] += p * v1; }
        }
    }

    // Sum the key groups' partial accumulators.
    if (grp > 0)
    {
#pragma unroll
        for (int g = 0; g < ATTN_MAX_G; g++)
            if (g < G) { red[grp - 1][g][2 * pair] = acc[g][0]; red[grp - 1][g][2 * pair + 1] = acc[g][1]; }
    }
    __syncthreads();
    if (grp != 0) return;
    for (int r = 0; r < GROUPS - 1; r++)
#pragma unroll
        for (int g = 0; g < ATTN_MAX_G; g++)
            if (g < G) { acc[g][0] += red[r][g][2 * pair]; acc[g][1] += red[r][g][2 * pair + 1]; }

    const int splits = gridDim.z;
    const bool direct = splits == 1 || ctx <= split_len;
#pragma unroll
    for (int g = 0; g < ATTN_MAX_G; g++)
    {
        if (g >= G) break;
        const int h = kvh * G + g;
        if (direct)
        {
            const float inv = 1.0f / l_s[g];
            bf16* o = out + (long long)t * num_q_heads * D + (long long)h * D + 2 * pair;
            o[0] = f2bf(acc[g][0] * inv);
            o[1] = f2bf(acc[g][1] * inv);
        }
        else
        {
            const long long part = ((long long)t * num_q_heads + h) * splits + z;
            part_acc[part * D + 2 * pair] = acc[g][0];
            part_acc[part * D + 2 * pair + 1] = acc[g][1];
            if (pair == 0) { part_ml[2 * part] = m_s[g]; part_ml[2 * part + 1] = l_s[g]; }
        }
    }
}

#define DEFINE_PAGED_ATTENTION(D)                                                                              \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) paged_attention_d##D(                          \
        bf16* out, float* part_ml, float* part_acc, const bf16* qkv, const bf16* k_cache, const bf16* v_cache, \
        const int* token_seq, const int* positions, const int* block_tables, int max_blocks, int block_size,   \
        int num_q_heads, int num_kv_heads, int split_len, float scale)                                         \
    {                                                                                                          \
        paged_attention<D>(out, part_ml, part_acc, qkv, k_cache, v_cache, token_seq, positions, block_tables,  \
                           max_blocks, block_size, num_q_heads, num_kv_heads, split_len, scale);               \
    }

DEFINE_PAGED_ATTENTION(32)
DEFINE_PAGED_ATTENTION(64)
DEFINE_PAGED_ATTENTION(128)
DEFINE_PAGED_ATTENTION(256)

// Merges the split-K partials of tokens whose context spans more than one split. Grid (T, Hq), block D.
extern "C" __global__ void attention_combine(bf16* __restrict__ out, const float* __restrict__ part_ml,
                                             const float* __restrict__ part_acc, const int* __restrict__ positions,
                                             int num_q_heads, int head_dim, int split_len, int splits)
{
    const int t = blockIdx.x, h = blockIdx.y, d = threadIdx.x;
    const int ctx = positions[t] + 1;
    if (ctx <= split_len) return;
    const int n = (ctx + split_len - 1) / split_len;
    const long long base = ((long long)t * num_q_heads + h) * splits;
    float m = NEG_INF;
    for (int z = 0; z < n; z++) m = fmaxf(m, part_ml[2 * (base + z)]);
    float l = 0.0f, a = 0.0f;
    for (int z = 0; z < n; z++)
    {
        const float w = expf(part_ml[2 * (base + z)] - m);
        l += part_ml[2 * (base + z) + 1] * w;
        a += part_acc[(base + z) * head_dim + d] * w;
    }
    out[(long long)t * num_q_heads * head_dim + (long long)h * head_dim + d] = f2bf(a / l);
}
