// Paged attention for decode steps, built for bandwidth: same inputs, causal rule, split-K partials and
// output as paged_attention (attention.cu), which it replaces for pure decode at head dims 64, 128 and 256.
//
// Why a second kernel: paged_attention streams a chunk of keys, syncs the block, runs the softmax, syncs,
// then streams the values, so each SM has only one phase's loads in flight and sits through two barriers per
// chunk. A decode step at large batch is a pass over the KV cache (tens of GB for 8B at 2k context), so what
// counts is bytes in flight. Here every warp walks its own tiles of keys with a private online softmax:
// each lane issues the K and the V loads of its whole tile (2 * NI 16-byte loads) before it uses any, and
// the block meets only once, at the end, to merge its warps.
//
// Layout: LPK = D/8 lanes cover one key row (8 dims each), so a warp load covers KPL = 32/LPK keys and a
// tile is TILE = KPL * NI keys. Lane groups (one per key of a load) keep partial l and acc over their own
// keys with the warp's common running max; they are summed with shuffles after the loop. Block
// (token, KV head, split), 4 warps, G = Hq/Hkv query heads per block as in paged_attention.

#define DEC_WARPS 4

template <int D, int MAXG, int NI>
__device__ void decode_attention(
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int max_blocks, int block_size, int num_q_heads, int num_kv_heads, int split_len, float scale)
{
    constexpr int LPK = D / 8;
    constexpr int KPL = 32 / LPK;
    constexpr int TILE = KPL * NI;
    __shared__ float sm_m[DEC_WARPS][MAXG], sm_l[DEC_WARPS][MAXG];
    __shared__ float sm_acc[DEC_WARPS][MAXG][D];

    const int t = blockIdx.x, kvh = blockIdx.y, z = blockIdx.z;
    const int G = num_q_heads / num_kv_heads;
    const int ctx = positions[t] + 1;
    const int start = z * split_len;
    if (start >= ctx) return;
    const int end = min(ctx, start + split_len);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kslot = lane / LPK, dpart = lane % LPK;
    const int* table = block_tables + (long long)token_seq[t] * max_blocks;
    const long long kv_stride = (long long)num_kv_heads * D;
    const bf16* kbase = k_cache + (long long)kvh * D + dpart * 8;
    const bf16* vbase = v_cache + (long long)kvh * D + dpart * 8;

    float q[MAXG][8];
    const bf16* qrow = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D + (long long)kvh * G * D + dpart * 8;
#pragma unroll
    for (int g = 0; g < MAXG; g++)
    {
        if (g < G)
        {
            load8(qrow + g * D, q[g]);
#pragma unroll
            for (int e = 0; e < 8; e++) q[g][e] *= scale;
        }
        else
        {
#pragma unroll
            for (int e = 0; e < 8; e++) q[g][e] = 0.0f;
        }
    }

    float m[MAXG], l[MAXG], acc[MAXG][8];
#pragma unroll
    for (int g = 0; g < MAXG; g++)
    {
        m[g] = NEG_INF;
        l[g] = 0.0f;
#pragma unroll
        for (int e = 0; e < 8; e++) acc[g][e] = 0.0f;
    }

    for (int k0 = start + warp * TILE; k0 < end; k0 += DEC_WARPS * TILE)
    {
        uint4 kb[NI], vb[NI];
        bool valid[NI];
#pragma unroll
        for (int i = 0; i < NI; i++)
        {
            const int key = k0 + i * KPL + kslot;
            valid[i] = key < end;
            // A key past the end reads the tile's first key (always valid) and is masked below.
            const int k = valid[i] ? key : k0;
            const long long slot = (long long)table[k / block_size] * block_size + k % block_size;
            kb[i] = *reinterpret_cast<const uint4*>(kbase + slot * kv_stride);
            vb[i] = *reinterpret_cast<const uint4*>(vbase + slot * kv_stride);
        }

        float s[MAXG][NI];
#pragma unroll
        for (int i = 0; i < NI; i++)
        {
            float kf[8];
            unpack_bf16x8(kb[i], kf);
#pragma unroll
            for (int g = 0; g < MAXG; g++)
            {
                if (g < G)
                {
                    float d0 = q[g][0] * kf[0], d1 = q[g][1] * kf[1];
                    d0 = fmaf(q[g][2], kf[2], d0); d1 = fmaf(q[g][3], kf[3], d1);
                    d0 = fmaf(q[g][4], kf[4], d0); d1 = fmaf(q[g][5], kf[5], d1);
                    d0 = fmaf(q[g][6], kf[6], d0); d1 = fmaf(q[g][7], kf[7], d1);
                    float dot = d0 + d1;
#pragma unroll
                    for (int o = LPK / 2; o > 0; o >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, o);
                    s[g][i] = valid[i] ? dot : NEG_INF;
                }
            }
        }

#pragma unroll
        for (int g = 0; g < MAXG; g++)
        {
            if (g < G)
            {
                float mx = s[g][0];
#pragma unroll
                for (int i = 1; i < NI; i++) mx = fmaxf(mx, s[g][i]);
#pragma unroll
                for (int o = 16; o >= LPK; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
                const float m_new = fmaxf(m[g], mx); // finite: key k0 is in range
                const float alpha = expf(m[g] - m_new);
                float ps = 0.0f;
#pragma unroll
                for (int i = 0; i < NI; i++) { s[g][i] = expf(s[g][i] - m_new); ps += s[g][i]; }
                l[g] = l[g] * alpha + ps;
                m[g] = m_new;
#pragma unroll
                for (int e = 0; e < 8; e++) acc[g][e] *= alpha;
            }
        }

#pragma unroll
        for (int i = 0; i < NI; i++)
        {
            float vf[8];
            unpack_bf16x8(vb[i], vf);
#pragma unroll
            for (int g = 0; g < MAXG; g++)
                if (g < G)
#pragma unroll
                    for (int e = 0; e < 8; e++) acc[g][e] = fmaf(s[g][i], vf[e], acc[g][e]);
        }
    }

    // The lane groups of a warp share its running max, so their partial sums simply add up.
#pragma unroll
    for (int g = 0; g < MAXG; g++)
    {
        if (g < G)
        {
#pragma unroll
            for (int o = LPK; o < 32; o <<= 1)
            {
                l[g] += __shfl_xor_sync(0xffffffffu, l[g], o);
#pragma unroll
                for (int e = 0; e < 8; e++) acc[g][e] += __shfl_xor_sync(0xffffffffu, acc[g][e], o);
            }
            if (kslot == 0)
            {
#pragma unroll
                for (int e = 0; e < 8; e++) sm_acc[warp][g][dpart * 8 + e] = acc[g][e];
                if (dpart == 0) { sm_m[warp][g] = m[g]; sm_l[warp][g] = l[g]; }
            }
        }
    }
    __syncthreads();

    const int splits = gridDim.z;
    const bool direct = splits == 1 || ctx <= split_len;
    for (int i = threadIdx.x; i < G * D; i += DEC_WARPS * 32)
    {
        const int g = i / D, d = i % D;
        float mm = sm_m[0][g];
#pragma unroll
        for (int w = 1; w < DEC_WARPS; w++) mm = fmaxf(mm, sm_m[w][g]);
        float ll = 0.0f, a = 0.0f;
#pragma unroll
        for (int w = 0; w < DEC_WARPS; w++)
        {
            // A warp that had no keys holds m = -inf, l = 0: its weight is 0.
            const float wgt = expf(sm_m[w][g] - mm);
            ll += sm_l[w][g] * wgt;
            a += sm_acc[w][g][d] * wgt;
        }
        const int h = kvh * G + g;
        if (direct)
        {
            out[(long long)t * num_q_heads * D + (long long)h * D + d] = f2bf(a / ll);
        }
        else
        {
            const long long slot = ((long long)t * num_q_heads + h) * splits + z;
            part_acc[slot * D + d] = a;
            if (d == 0) { part_ml[2 * slot] = mm; part_ml[2 * slot + 1] = ll; }
        }
    }
}

// Registers bound NI: at G = 8 the query, scores and accumulators take 192 of them, so tiles are halved.
#define DEFINE_DECODE_ATTENTION(D, MAXG)                                                                        \
    extern "C" __global__ void __launch_bounds__(DEC_WARPS * 32) decode_attention_d##D##_g##MAXG(               \
        bf16* out, float* part_ml, float* part_acc, const bf16* qkv, const bf16* k_cache, const bf16* v_cache, \
        const int* token_seq, const int* positions, const int* block_tables, int max_blocks, int block_size,   \
        int num_q_heads, int num_kv_heads, int split_len, float scale)                                         \
    {                                                                                                          \
        kernel_start();                                                                                        \
        decode_attention<D, MAXG, (MAXG <= 4 ? 8 : 4)>(out, part_ml, part_acc, qkv, k_cache, v_cache,          \
                                                       token_seq, positions, block_tables, max_blocks,         \
                                                       block_size, num_q_heads, num_kv_heads, split_len, scale); \
    }

#define DEFINE_DECODE_ATTENTION_ALL_G(D) \
    DEFINE_DECODE_ATTENTION(D, 1)        \
    DEFINE_DECODE_ATTENTION(D, 2)        \
    DEFINE_DECODE_ATTENTION(D, 4)        \
    DEFINE_DECODE_ATTENTION(D, 8)

DEFINE_DECODE_ATTENTION_ALL_G(64)
DEFINE_DECODE_ATTENTION_ALL_G(128)
DEFINE_DECODE_ATTENTION_ALL_G(256)
