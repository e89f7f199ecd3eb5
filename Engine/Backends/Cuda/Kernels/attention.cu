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

// Work layout, all loads 16 bytes wide:
//   scores: KL lanes share one key, DPL = D/KL dims each, and reduce with log2(KL) shuffles, so a warp
//           scores 32/KL keys at once. The wide form (DPL = 64/G, at most D: the query fits 64 registers,
//           few shuffles per FMA) wins on the short key ranges of split decode; the narrow form (DPL = 8,
//           more keys per warp) on long unsplit ranges (prefill, large decode batches), as measured on an
//           H200. When a lane's slice is small, two rounds of keys are loaded before either is used.
//   values: VL = D/8 threads cover one value row; the block's VG = 128/VL groups take keys round-robin,
//           two at a time, and their partial sums meet in shared memory at the end.
template <int D, int MAXG, bool WIDE>
__device__ void paged_attention(
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int max_blocks, int block_size, int num_q_heads, int num_kv_heads, int split_len, float scale)
{
    constexpr int DPL = !WIDE ? 8 : (64 / MAXG) < D ? (64 / MAXG) : D;
    constexpr int KL = D / DPL;
    constexpr int KPW = 32 / KL;
    constexpr int U = DPL <= 16 ? 2 : 1;
    constexpr int KSTEP = ATTN_WARPS * KPW;
    constexpr int VL = D / 8;
    constexpr int VG = ATTN_THREADS / VL;

    __shared__ float scores[MAXG][ATTN_CHUNK];
    __shared__ float red[VG][MAXG][D];
    __shared__ float m_s[MAXG], l_s[MAXG], a_s[MAXG];

    const int t = blockIdx.x, kvh = blockIdx.y, z = blockIdx.z;
    const int G = num_q_heads / num_kv_heads;
    const int ctx = positions[t] + 1;
    const int start = z * split_len;
    if (start >= ctx) return;
    const int end = min(ctx, start + split_len);
    const int seq = token_seq[t];
    const int* table = block_tables + (long long)seq * max_blocks;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int sub = lane / KL, part = lane % KL;
    const int vpart = threadIdx.x % VL, vgrp = threadIdx.x / VL;
    const long long kv_stride = (long long)num_kv_heads * D;
    const long long head_off = (long long)kvh * D;

    float q[MAXG][DPL];
    const bf16* qrow = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D + (long long)kvh * G * D;
#pragma unroll
    for (int g = 0; g < MAXG; g++)
    {
        if (g < G)
        {
#pragma unroll
            for (int c = 0; c < DPL / 8; c++) load8(qrow + g * D + part * DPL + c * 8, q[g] + c * 8);
#pragma unroll
            for (int e = 0; e < DPL; e++) q[g][e] *= scale;
        }
    }
    if (threadIdx.x < MAXG) { m_s[threadIdx.x] = NEG_INF; l_s[threadIdx.x] = 0.0f; }

    float acc[MAXG][8];
#pragma unroll
    for (int g = 0; g < MAXG; g++)
#pragma unroll
        for (int e = 0; e < 8; e++) acc[g][e] = 0.0f;

    for (int c0 = start; c0 < end; c0 += ATTN_CHUNK)
    {
        const int n = min(ATTN_CHUNK, end - c0);
        __syncthreads();
        for (int jb = warp * KPW; jb < n; jb += U * KSTEP)
        {
            float k[U][DPL];
            bool valid[U];
#pragma unroll
            for (int u = 0; u < U; u++)
            {
                const int j = jb + u * KSTEP + sub;
                valid[u] = j < n;
                if (valid[u])
                {
                    const int key = c0 + j;
                    const long long slot = (long long)table[key / block_size] * block_size + key % block_size;
#pragma unroll
                    for (int c = 0; c < DPL / 8; c++) load8(k_cache + slot * kv_stride + head_off + part * DPL + c * 8, k[u] + c * 8);
                }
                else
                {
#pragma unroll
                    for (int e = 0; e < DPL; e++) k[u][e] = 0.0f;
                }
            }
#pragma unroll
            for (int u = 0; u < U; u++)
            {
                const int j = jb + u * KSTEP + sub;
#pragma unroll
                for (int g = 0; g < MAXG; g++)
                {
                    if (g < G)
                    {
                        // Four independent chains: one chain of DPL dependent FMAs would stall on latency.
                        float s4[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
                        for (int e = 0; e < DPL; e++) s4[e & 3] += q[g][e] * k[u][e];
                        float s = (s4[0] + s4[1]) + (s4[2] + s4[3]);
#pragma unroll
                        for (int o = KL / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
                        if (part == 0 && valid[u]) scores[g][j] = s;
                    }
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
        for (int g = 0; g < MAXG; g++)
            if (g < G)
#pragma unroll
                for (int e = 0; e < 8; e++) acc[g][e] *= a_s[g];
        for (int j0 = vgrp; j0 < n; j0 += 2 * VG)
        {
            float v[2][8];
            bool valid[2];
#pragma unroll
            for (int u = 0; u < 2; u++)
            {
                const int j = j0 + u * VG;
                valid[u] = j < n;
                if (valid[u])
                {
                    const int key = c0 + j;
                    const long long slot = (long long)table[key / block_size] * block_size + key % block_size;
                    load8(v_cache + slot * kv_stride + head_off + vpart * 8, v[u]);
                }
            }
#pragma unroll
            for (int u = 0; u < 2; u++)
            {
                if (!valid[u]) continue;
                const int j = j0 + u * VG;
#pragma unroll
                for (int g = 0; g < MAXG; g++)
                {
                    if (g < G)
                    {
                        const float p = scores[g][j];
#pragma unroll
                        for (int e = 0; e < 8; e++) acc[g][e] += p * v[u][e];
                    }
                }
            }
        }
    }

    // The value groups' partial sums meet in shared memory; then every thread finishes a share of (head, dim).
#pragma unroll
    for (int g = 0; g < MAXG; g++)
        if (g < G)
#pragma unroll
            for (int e = 0; e < 8; e++) red[vgrp][g][vpart * 8 + e] = acc[g][e];
    __syncthreads();

    const int splits = gridDim.z;
    const bool direct = splits == 1 || ctx <= split_len;
    for (int i = threadIdx.x; i < G * D; i += ATTN_THREADS)
    {
        const int g = i / D, d = i % D;
        float a = 0.0f;
#pragma unroll
        for (int r = 0; r < VG; r++) a += red[r][g][d];
        const int h = kvh * G + g;
        if (direct)
        {
            out[(long long)t * num_q_heads * D + (long long)h * D + d] = f2bf(a / l_s[g]);
        }
        else
        {
            const long long slot = ((long long)t * num_q_heads + h) * splits + z;
            part_acc[slot * D + d] = a;
            if (d == 0) { part_ml[2 * slot] = m_s[g]; part_ml[2 * slot + 1] = l_s[g]; }
        }
    }
}

// One entry point per head size, bound on the query heads per KV head (1, 2, 4, 8) and score layout: the
// bound sizes the register arrays, so Qwen3-0.6B (G = 2) does not pay registers for G = 8.
#define DEFINE_PAGED_ATTENTION(D, MAXG, WIDE, SUFFIX)                                                          \
    extern "C" __global__ void __launch_bounds__(ATTN_THREADS) paged_attention_d##D##_g##MAXG##SUFFIX(       \
        bf16* out, float* part_ml, float* part_acc, const bf16* qkv, const bf16* k_cache, const bf16* v_cache, \
        const int* token_seq, const int* positions, const int* block_tables, int max_blocks, int block_size,   \
        int num_q_heads, int num_kv_heads, int split_len, float scale)                                         \
    {                                                                                                          \
        kernel_start();                                                                                        \
        paged_attention<D, MAXG, WIDE>(out, part_ml, part_acc, qkv, k_cache, v_cache, token_seq, positions,    \
                                       block_tables, max_blocks, block_size, num_q_heads, num_kv_heads,        \
                                       split_len, scale);                                                      \
    }

#define DEFINE_PAGED_ATTENTION_ALL_G(D)             \
    DEFINE_PAGED_ATTENTION(D, 1, false, )           \
    DEFINE_PAGED_ATTENTION(D, 2, false, )           \
    DEFINE_PAGED_ATTENTION(D, 4, false, )           \
    DEFINE_PAGED_ATTENTION(D, 8, false, )           \
    DEFINE_PAGED_ATTENTION(D, 1, true, _wide)       \
    DEFINE_PAGED_ATTENTION(D, 2, true, _wide)       \
    DEFINE_PAGED_ATTENTION(D, 4, true, _wide)       \
    DEFINE_PAGED_ATTENTION(D, 8, true, _wide)

DEFINE_PAGED_ATTENTION_ALL_G(32)
DEFINE_PAGED_ATTENTION_ALL_G(64)
DEFINE_PAGED_ATTENTION_ALL_G(128)
DEFINE_PAGED_ATTENTION_ALL_G(256)

// Merges the split-K partials of tokens whose context spans more than one split. Grid (T, Hq), block D.
extern "C" __global__ void attention_combine(bf16* __restrict__ out, const float* __restrict__ part_ml,
                                             const float* __restrict__ part_acc, const int* __restrict__ positions,
                                             int num_q_heads, int head_dim, int split_len, int splits)
{
    kernel_start();
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
