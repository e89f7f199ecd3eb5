// Paged attention for decode steps, built for bandwidth: same inputs, causal rule, split-K partials and
// output as paged_attention (attention.cu), which it replaces for pure decode at head dims 64, 128 and 256.
//
// Why a second kernel: paged_attention streams a chunk of keys, syncs the block, runs the softmax, syncs,
// then streams the values, so each SM has only one phase's loads in flight and sits through two barriers per
// chunk. A decode step at large batch is a pass over the KV cache (tens of GB for 8B at 2k context), so what
// counts is bytes in flight. Here every warp walks its own tiles of keys with a private online softmax,
// issues the K and the V loads of its whole tile before it uses any, and the block meets only once, at the
// end, to merge its warps. Block (token, KV head, split), W warps, G = Hq/Hkv query heads per block.
//
// A decode of few sequences is the other end: Qwen3-0.6B at batch 1 runs 8 blocks on 132 SMs, and its attention
// is a chain of latencies, not a stream of bytes. Two things shorten the chain. The wide kernels (W = DEC_WIDE_WARPS,
// DEC_WIDE_STEPS(D) 16-key steps a warp) cover 256 keys at D = 128 in one round instead of 64, for grids smaller
// than the GPU, where a block has its SM alone. And with the RoPE prologue, each warp loads its first tile into
// registers before the wait, while the QKV projection still runs (decode_attention_mma says why that is safe),
// so a context that fits one round reads nothing from the cache after it.
//
// Two algorithms share that frame (DEC_TENSOR_CORES picks; the SIMT one also serves GPUs before sm_80):
//
// SIMT: LPK = D/8 lanes cover one key row (8 dims each), so a warp load covers KPL = 32/LPK keys and a tile
// is KPL * NI keys. Each (head, key) dot ends in a log2(LPK)-level shuffle reduction, so the work per byte
// grows with G: at G = 4, D = 128 a 16-key tile costs each lane ~1,500 instructions (256 FMAs and 128
// shuffles for the scores, 36 expf, 256 FMAs for P·V, 8 block-table divisions) and the kernel is issue-bound.
//
// Tensor cores: both products are mma.sync m16n8k16 (bf16 in, fp32 accumulate), whose cost does not depend
// on G <= 8. Per 16-key step of a warp:
//   S = Q·Kᵀ   A = Q, the G heads as rows 0..G-1 (rows 8..15 zero), B = Kᵀ: one mma per 16 dims per 8 keys.
//   Oᵀ = Vᵀ·Pᵀ A = Vᵀ (16 dims × 16 keys), B = Pᵀ (16 keys × 8 heads): one mma per 16 dims.
// The dot products do not care which dim sits in which k slot, so every lane loads whole 16-byte pieces
// straight from the cache into fragment registers, Q being loaded in the same permuted order; the S
// accumulators of the two 8-key halves are already the B operand of the second product (as in
// flash_prefill); V needs one byte permute per register to pair two keys' values of one dim. Registers of
// m16n8k16, g = lane / 4, c = lane % 4:
//   A (16x16, row-major):  a0 = (g, 2c..2c+1)  a1 = (g+8, 2c..)  a2 = (g, 2c+8..)  a3 = (g+8, 2c+8..)
//   B (16x8, column):      b0 = (k = 2c..2c+1, n = g)  b1 = (k = 2c+8.., n = g)
//   C (16x8, fp32):        c0, c1 = (g, 2c..2c+1)  c2, c3 = (g+8, 2c..2c+1)
// Lane (g, c) therefore loads K of keys g and 8+g of the step (dims 32j + 8c..+7), V of keys 2c, 2c+1,
// 8+2c, 9+2c (dims 64h + 8g..+7), holds the scores of head g and the output of heads 2c, 2c+1. At D = 128 a
// step costs a lane ~190 instructions: 16 loads, 24 mma, 32 permutes, 32 rescales, one table lookup when
// the step lies in one cache block, and a 4-lane softmax in the log2 domain.

#ifndef DEC_TENSOR_CORES
#define DEC_TENSOR_CORES 1
#endif

#if DEC_TENSOR_CORES && defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define DEC_USE_MMA 1
#else
#define DEC_USE_MMA 0
#endif

// 16-key steps per warp tile of the tensor-core kernel: more bytes in flight per warp against more registers.
#ifndef DEC_MMA_STEPS
#define DEC_MMA_STEPS(D) ((D) == 64 ? 2 : 1)
#endif

// Minimum resident blocks per SM asked of the register allocator (1: no constraint).
#ifndef DEC_MIN_BLOCKS
#define DEC_MIN_BLOCKS 1
#endif


#ifndef DEC_WARPS
#define DEC_WARPS 4
#endif

// The wide kernels (for grids smaller than the GPU): warps per block and 16-key steps per warp tile.
#ifndef DEC_WIDE_WARPS
#define DEC_WIDE_WARPS 8
#endif
#ifndef DEC_WIDE_STEPS
#define DEC_WIDE_STEPS(D) ((D) == 64 ? 4 : (D) == 128 ? 2 : 1)
#endif

// Merges the warps' partial softmax states (in shared memory) into the output, or into this split's partials.
template <int D, int MAXG, int W>
__device__ void decode_merge_warps(
    float (*sm_m)[MAXG], float (*sm_l)[MAXG], float (*sm_acc)[MAXG][D],
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    int t, int kvh, int z, int G, int ctx, int num_q_heads, int split_len)
{
    const int splits = gridDim.z;
    const bool direct = splits == 1 || ctx <= split_len;
    for (int i = threadIdx.x; i < G * D; i += W * 32)
    {
        const int g = i / D, d = i % D;
        float mm = sm_m[0][g];
#pragma unroll
        for (int w = 1; w < W; w++) mm = fmaxf(mm, sm_m[w][g]);
        float ll = 0.0f, a = 0.0f;
#pragma unroll
        for (int w = 0; w < W; w++)
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


template <int D, int MAXG, int NI, int W>
__device__ void decode_attention_simt(
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    const bf16* q_heads, const bf16* k_cache, const bf16* v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int max_blocks, int block_size, int num_q_heads, int num_kv_heads, int split_len, float scale)
{
    constexpr int LPK = D / 8;
    constexpr int KPL = 32 / LPK;
    constexpr int TILE = KPL * NI;
    __shared__ float sm_m[W][MAXG], sm_l[W][MAXG];
    __shared__ float sm_acc[W][MAXG][D];

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
    const bf16* qrow = q_heads + dpart * 8;
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

    for (int k0 = start + warp * TILE; k0 < end; k0 += W * TILE)
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
    decode_merge_warps<D, MAXG, W>(sm_m, sm_l, sm_acc, out, part_ml, part_acc, t, kvh, z, G, ctx, num_q_heads, split_len);
}

// d += A·B for one m16n8k16 tile (bf16 in, fp32 accumulate); registers as in the header comment.
__device__ __forceinline__ void mma_bf16_16816(float* d, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1)
{
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// The low bf16 of x and of y, as (low, high) of the result: one dim of two keys.
__device__ __forceinline__ unsigned low_halves(unsigned x, unsigned y)
{
    unsigned r;
    asm("prmt.b32 %0, %1, %2, 0x5410;\n" : "=r"(r) : "r"(x), "r"(y));
    return r;
}

// The high bf16 of x and of y, as (low, high) of the result.
__device__ __forceinline__ unsigned high_halves(unsigned x, unsigned y)
{
    unsigned r;
    asm("prmt.b32 %0, %1, %2, 0x7632;\n" : "=r"(r) : "r"(x), "r"(y));
    return r;
}

// Two floats rounded to bf16 in one register, lo in the low half.
__device__ __forceinline__ unsigned pack_bf16x2(float lo, float hi)
{
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

// Cache slot of key ks + r, or of key ks when ks + r is past the end (the caller masks it; ks itself is in
// range). one_block: the 16 keys from ks lie in one cache block whose slot of key ks is base.
__device__ __forceinline__ long long decode_slot(const int* table, int block_size, bool one_block, long long base, int ks, int r, int end)
{
    const int k = ks + r < end ? ks + r : ks;
    if (one_block) return base + (k - ks);
    return (long long)table[k / block_size] * block_size + k % block_size;
}

// Qwen3's q/k norm and RoPE (rope.cu's qk_norm_rope) for a pure decode step, done by the attention blocks so that
// the step's layers skip that launch: the block's G query heads are normed and rotated into shared memory, and the
// block whose split holds the step's own key stores the finished key and the value in the cache (and in own_kv, for
// the warp that loaded that key's slot before the wait) before any of its warps reads them (__syncthreads makes the
// block's global stores visible to the block). One warp per head; the sum of squares is a warp sum where
// qk_norm_rope's is a block sum, so a value may round to the neighbouring bf16.
//
// What depends only on step inputs and weights, the rotation's sines and cosines and the norm weights, is loaded before
// the wait (decode_rope_load), so that after it only the projection's row is read.
template <int D>
struct DecodeRopeConsts
{
    static constexpr int HALF = D / 2, PAIRS = HALF / 32; // rotate_half pairs dim i with i + D/2; PAIRS of them a lane
    float cs[PAIRS], sn[PAIRS];                            // cos and sin of dims lane + 32p
    float q1[PAIRS], q2[PAIRS], k1[PAIRS], k2[PAIRS];      // q_norm and k_norm at dims lane + 32p and + HALF
};

template <int D>
__device__ __forceinline__ void decode_rope_load(DecodeRopeConsts<D>& rc, const int* __restrict__ positions, int t,
                                                 const float* __restrict__ inv_freq, const bf16* __restrict__ q_norm,
                                                 const bf16* __restrict__ k_norm)
{
    const int lane = threadIdx.x & 31;
    const float position = (float)positions[t];
#pragma unroll
    for (int p = 0; p < DecodeRopeConsts<D>::PAIRS; p++)
    {
        const int i = lane + 32 * p;
        float sn, cs; // locals: the struct's members must stay in registers
        sincosf(position * inv_freq[i], &sn, &cs);
        rc.sn[p] = sn;
        rc.cs[p] = cs;
        rc.q1[p] = q_norm ? bf2f(q_norm[i]) : 1.0f;
        rc.q2[p] = q_norm ? bf2f(q_norm[i + DecodeRopeConsts<D>::HALF]) : 1.0f;
        rc.k1[p] = k_norm ? bf2f(k_norm[i]) : 1.0f;
        rc.k2[p] = k_norm ? bf2f(k_norm[i + DecodeRopeConsts<D>::HALF]) : 1.0f;
    }
}

// own_kv: [2][D] bf16 of shared memory, the stored key then value (written only when the block stores them).
// Returns the slot the block stored the step's key and value in, or -1.
template <int D, int W>
__device__ __forceinline__ int decode_rope_prologue(bf16 (*sm_q)[D], bf16* own_kv, const DecodeRopeConsts<D>& rc, const bf16* __restrict__ qkv,
                                    bool q_normed, bool k_normed, bf16* k_store, bf16* v_store, const int* __restrict__ slots,
                                    float eps, int t, int kvh, int G, int num_q_heads, int num_kv_heads, bool owns_step_key)
{
    constexpr int HALF = DecodeRopeConsts<D>::HALF, PAIRS = DecodeRopeConsts<D>::PAIRS;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const bf16* row = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D;
    const int slot = owns_step_key ? slots[t] : -1; // < 0: a padding token, or the key lies in another split
    const int heads = G + (slot >= 0 ? 1 : 0);      // the query heads, then the key head
    for (int h = warp; h < heads; h += W)
    {
        const bool key = h == G;
        const bf16* x = row + (long long)(key ? num_q_heads + kvh : kvh * G + h) * D;
        float x1[PAIRS], x2[PAIRS], ss = 0.0f;
#pragma unroll
        for (int p = 0; p < PAIRS; p++)
        {
            const int i = lane + 32 * p;
            x1[p] = bf2f(x[i]);
            x2[p] = bf2f(x[i + HALF]);
            ss += x1[p] * x1[p] + x2[p] * x2[p];
        }
        if (key ? k_normed : q_normed)
        {
            const float inv = rsqrtf(warp_sum(ss) / D + eps);
#pragma unroll
            for (int p = 0; p < PAIRS; p++)
            {
                x1[p] = x1[p] * inv * (key ? rc.k1[p] : rc.q1[p]);
                x2[p] = x2[p] * inv * (key ? rc.k2[p] : rc.q2[p]);
            }
        }
        bf16* dst = key ? k_store + ((long long)slot * num_kv_heads + kvh) * D : sm_q[h];
#pragma unroll
        for (int p = 0; p < PAIRS; p++)
        {
            const int i = lane + 32 * p;
            const bf16 lo = f2bf(x1[p] * rc.cs[p] - x2[p] * rc.sn[p]);
            const bf16 hi = f2bf(x2[p] * rc.cs[p] + x1[p] * rc.sn[p]);
            dst[i] = lo;
            dst[i + HALF] = hi;
            if (key) { own_kv[i] = lo; own_kv[i + HALF] = hi; }
        }
    }
    if (slot >= 0)
    {
        const bf16* v = row + (long long)(num_q_heads + num_kv_heads + kvh) * D;
        bf16* dst = v_store + ((long long)slot * num_kv_heads + kvh) * D;
        for (int i = threadIdx.x; i < D; i += W * 32) { const bf16 x = v[i]; dst[i] = x; own_kv[D + i] = x; }
    }
    __syncthreads();
    return slot;
}

// Before the wait, when the first tiles are not loaded then (see decode_attention_mma): the block's first round of keys
// and values (every warp's first tile) into L2, the addresses from the block table and positions, which are step inputs.
// Old keys were written by earlier steps; the step's own key may still be in the writing (qk_norm_rope), which a
// prefetch cannot spoil (prefetch_l2).
template <int D, int W, int STEPS>
__device__ __forceinline__ void decode_prefetch_kv(const bf16* k_cache, const bf16* v_cache, const int* table, int block_size,
                                                   int num_kv_heads, int kvh, int start, int end)
{
    constexpr int LINES = D * 2 / 128; // 128-byte lines of one head's key row
    const int keys = min(end - start, W * 16 * STEPS);
    for (int i = threadIdx.x; i < keys * 2 * LINES; i += W * 32)
    {
        const int key = start + i / (2 * LINES), line = i % LINES;
        const long long slot = (long long)table[key / block_size] * block_size + key % block_size;
        const bf16* cache = (i / LINES) & 1 ? v_cache : k_cache;
        prefetch_l2(cache + (slot * num_kv_heads + kvh) * D + line * 64);
    }
}

// Loads the K and V fragments of the tile of keys from k0 (see the header comment for which lane holds what).
template <int D, int STEPS>
__device__ __forceinline__ void decode_load_tile(uint4 (&kb)[STEPS][2][D / 32], uint4 (&vb)[STEPS][4][D / 64],
                                                 const bf16* kbase, const bf16* vbase, const int* table, int block_size,
                                                 bool one_block, long long kv_stride, int k0, int end, int g, int c)
{
#pragma unroll
    for (int s = 0; s < STEPS; s++)
    {
        // A step past the end reads the tile's first keys (always valid) and is masked below.
        const int ks = k0 + 16 * s < end ? k0 + 16 * s : k0;
        const long long base = one_block ? (long long)table[ks / block_size] * block_size + ks % block_size : 0;
#pragma unroll
        for (int n = 0; n < 2; n++)
        {
            const long long slot = decode_slot(table, block_size, one_block, base, ks, 8 * n + g, end);
#pragma unroll
            for (int j = 0; j < D / 32; j++)
                kb[s][n][j] = *reinterpret_cast<const uint4*>(kbase + slot * kv_stride + j * 32);
        }
#pragma unroll
        for (int r = 0; r < 4; r++)
        {
            const long long slot = decode_slot(table, block_size, one_block, base, ks, 8 * (r >> 1) + 2 * c + (r & 1), end);
#pragma unroll
            for (int h = 0; h < D / 64; h++)
                vb[s][r][h] = *reinterpret_cast<const uint4*>(vbase + slot * kv_stride + h * 64);
        }
    }
}

// The whole kernel on tensor cores, from its first instruction: what it may read before the wait, the wait, the RoPE
// prologue (rope != 0), then the key tiles. With preload (which needs rope: then the only key of the cache this step
// writes is the one the prologue stores), every warp's first tile is loaded into registers before the wait: those keys
// were stored by earlier steps, and the step's own key, if it falls in a first tile, is patched in from own_kv after
// the prologue. A block whose keys fit in one round (the wide kernel at contexts up to its round, and every split of
// 64 keys) then reads nothing from the cache after the wait. Without preload the first round is only prefetched to L2.
template <int D, int MAXG, int STEPS, int W>
__device__ void decode_attention_mma(
    bf16* __restrict__ out, float* __restrict__ part_ml, float* __restrict__ part_acc,
    const bf16* qkv, const bf16* k_cache, const bf16* v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int max_blocks, int block_size, int num_q_heads, int num_kv_heads, int split_len, float scale,
    const float* __restrict__ inv_freq, const bf16* __restrict__ q_norm, const bf16* __restrict__ k_norm,
    const int* __restrict__ slots, float eps, int rope, int preload, bf16 (*sm_q)[D], bf16* own_kv)
{
    static_assert(D % 64 == 0 && MAXG <= 8, "the heads fill at most the 8 upper rows of A; V pieces are 8 lanes × 8 dims");
    constexpr int QK_PIECES = D / 32;  // 16-byte pieces of a key row per lane (4 lanes a row)
    constexpr int PV_PIECES = D / 64;  // 16-byte pieces of a value row per lane (8 lanes a row)
    constexpr int KSTEPS = D / 16;     // k-steps of Q·Kᵀ, and m-tiles of Vᵀ·Pᵀ
    constexpr int TILE = 16 * STEPS;
    // Static shared memory stops at 48 KB; with the query and the own key and value beside them, these get 32.
    static_assert(W * MAXG * D * 4 <= 32 * 1024, "the warps' partial outputs take too much shared memory");
    __shared__ float sm_m[W][MAXG], sm_l[W][MAXG];
    __shared__ float sm_acc[W][MAXG][D];

    kernel_prewait_begin();
    const int t = blockIdx.x, kvh = blockIdx.y, z = blockIdx.z;
    const int G = num_q_heads / num_kv_heads;
    const int ctx = positions[t] + 1;
    const int start = z * split_len;
    if (start >= ctx) { kernel_prewait_end(); return; }
    const int end = min(ctx, start + split_len);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int g = lane >> 2, c = lane & 3;
    const int* table = block_tables + (long long)token_seq[t] * max_blocks;
    const long long kv_stride = (long long)num_kv_heads * D;
    const bf16* kbase = k_cache + (long long)kvh * D + c * 8;
    const bf16* vbase = v_cache + (long long)kvh * D + g * 8;
    // Steps start at multiples of 16 past start; then one lookup serves a step when blocks hold whole steps.
    const bool one_block = block_size % 16 == 0 && start % 16 == 0;
    const float scale_log2 = scale * 1.4426950408889634f;
    const bool early = rope && preload;

    uint4 kb[STEPS][2][QK_PIECES], vb[STEPS][4][PV_PIECES];
    int k0 = start + warp * TILE;
    if (early && k0 < end)
        decode_load_tile<D, STEPS>(kb, vb, kbase, vbase, table, block_size, one_block, kv_stride, k0, end, g, c);
    if (!early)
        decode_prefetch_kv<D, W, STEPS>(k_cache, v_cache, table, block_size, num_kv_heads, kvh, start, end);
    DecodeRopeConsts<D> rc;
    if (rope) decode_rope_load<D>(rc, positions, t, inv_freq, q_norm, k_norm);
    kernel_prewait_end();

    const bf16* q_heads = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D + (long long)kvh * G * D;
    if (rope)
    {
        const int stored = decode_rope_prologue<D, W>(sm_q, own_kv, rc, qkv, q_norm != nullptr, k_norm != nullptr,
                                                      const_cast<bf16*>(k_cache), const_cast<bf16*>(v_cache), slots, eps,
                                                      t, kvh, G, num_q_heads, num_kv_heads, ctx - start <= split_len);
        q_heads = reinterpret_cast<const bf16*>(sm_q);
        // The step's own key (ctx - 1) in this warp's preloaded tile: its registers hold what the slot held before.
        const int r = ctx - 1 - k0;
        if (early && stored >= 0 && r >= 0 && r < TILE)
        {
            const uint4* own_k = reinterpret_cast<const uint4*>(own_kv);
            const uint4* own_v = reinterpret_cast<const uint4*>(own_kv + D);
#pragma unroll
            for (int s = 0; s < STEPS; s++)
            {
#pragma unroll
                for (int n = 0; n < 2; n++)
                    if (r == 16 * s + 8 * n + g)
#pragma unroll
                        for (int j = 0; j < QK_PIECES; j++) kb[s][n][j] = own_k[4 * j + c];
#pragma unroll
                for (int q = 0; q < 4; q++)
                    if (r == 16 * s + 8 * (q >> 1) + 2 * c + (q & 1))
#pragma unroll
                        for (int h = 0; h < PV_PIECES; h++) vb[s][q][h] = own_v[8 * h + g];
            }
        }
    }

    // Q of head g as A rows (a0, a2 of each k-step), dims in the order the K pieces arrive: k-step 2j + u
    // holds dims 32j + 8c + 4u + {0, 1} (a0) and + {2, 3} (a2). Heads past G are zero rows.
    unsigned qa[KSTEPS][2];
    {
        const bf16* qrow = q_heads + g * D + c * 8;
#pragma unroll
        for (int j = 0; j < QK_PIECES; j++)
        {
            uint4 v;
            v.x = v.y = v.z = v.w = 0u;
            if (g < G) v = *reinterpret_cast<const uint4*>(qrow + j * 32);
            qa[2 * j][0] = v.x; qa[2 * j][1] = v.y;
            qa[2 * j + 1][0] = v.z; qa[2 * j + 1][1] = v.w;
        }
    }

    // Softmax state of head g over this lane's keys (m in raw score units, shared by the 4 lanes of a row),
    // and Oᵀ tiles: tile 4h + p holds dims 64h + 8g + 2p (c0: head 2c, c1: head 2c+1) and + 1 (c2, c3).
    float m = NEG_INF, l = 0.0f;
    float o[KSTEPS][4];
#pragma unroll
    for (int i = 0; i < KSTEPS; i++) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;

    for (bool loaded = early; k0 < end; k0 += W * TILE, loaded = false)
    {
        if (!loaded)
            decode_load_tile<D, STEPS>(kb, vb, kbase, vbase, table, block_size, one_block, kv_stride, k0, end, g, c);

        // sc[s][n]: c0, c1 = scores of head g with keys k0 + 16s + 8n + 2c, + 1 (c2, c3: the zero rows).
        float sc[STEPS][2][4];
#pragma unroll
        for (int s = 0; s < STEPS; s++)
#pragma unroll
            for (int n = 0; n < 2; n++)
            {
                sc[s][n][0] = sc[s][n][1] = sc[s][n][2] = sc[s][n][3] = 0.0f;
#pragma unroll
                for (int j = 0; j < QK_PIECES; j++)
                {
                    const uint4 k = kb[s][n][j];
                    mma_bf16_16816(sc[s][n], qa[2 * j][0], 0u, qa[2 * j][1], 0u, k.x, k.y);
                    mma_bf16_16816(sc[s][n], qa[2 * j + 1][0], 0u, qa[2 * j + 1][1], 0u, k.z, k.w);
                }
            }

        float mx = m;
#pragma unroll
        for (int s = 0; s < STEPS; s++)
#pragma unroll
            for (int n = 0; n < 2; n++)
#pragma unroll
                for (int e = 0; e < 2; e++)
                {
                    const int key = k0 + 16 * s + 8 * n + 2 * c + e;
                    if (key >= end) sc[s][n][e] = NEG_INF;
                    mx = fmaxf(mx, sc[s][n][e]);
                }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        // mx is finite: key k0 is in range. A first tile rescales from m = -inf: alpha = 0.
        const float m_log2 = mx * scale_log2;
        const float alpha = exp2f(m * scale_log2 - m_log2);
        m = mx;
        unsigned pb[STEPS][2];
        float ps = 0.0f;
#pragma unroll
        for (int s = 0; s < STEPS; s++)
        {
            float p[2][2];
#pragma unroll
            for (int n = 0; n < 2; n++)
#pragma unroll
                for (int e = 0; e < 2; e++)
                {
                    p[n][e] = exp2f(fmaf(sc[s][n][e], scale_log2, -m_log2));
                    ps += p[n][e];
                }
            pb[s][0] = pack_bf16x2(p[0][0], p[0][1]);
            pb[s][1] = pack_bf16x2(p[1][0], p[1][1]);
        }
        l = l * alpha + ps;

        // The output columns are heads 2c and 2c+1, whose rescale factors live on lanes 8c and 8c + 4.
        const float alpha_lo = __shfl_sync(0xffffffffu, alpha, 8 * c);
        const float alpha_hi = __shfl_sync(0xffffffffu, alpha, 8 * c + 4);
#pragma unroll
        for (int i = 0; i < KSTEPS; i++)
        {
            o[i][0] *= alpha_lo; o[i][1] *= alpha_hi;
            o[i][2] *= alpha_lo; o[i][3] *= alpha_hi;
        }

#pragma unroll
        for (int s = 0; s < STEPS; s++)
#pragma unroll
            for (int h = 0; h < PV_PIECES; h++)
            {
                const uint4 v0 = vb[s][0][h], v1 = vb[s][1][h], v2 = vb[s][2][h], v3 = vb[s][3][h];
                const unsigned w0[4] = {v0.x, v0.y, v0.z, v0.w}, w1[4] = {v1.x, v1.y, v1.z, v1.w};
                const unsigned w2[4] = {v2.x, v2.y, v2.z, v2.w}, w3[4] = {v3.x, v3.y, v3.z, v3.w};
#pragma unroll
                for (int p = 0; p < 4; p++)
                    mma_bf16_16816(o[4 * h + p], low_halves(w0[p], w1[p]), high_halves(w0[p], w1[p]),
                                   low_halves(w2[p], w3[p]), high_halves(w2[p], w3[p]), pb[s][0], pb[s][1]);
            }
    }

    // The 4 lanes of a row share its running max, so their partial sums simply add up.
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    if (c == 0 && g < G) { sm_m[warp][g] = m * scale; sm_l[warp][g] = l; }
    const int h0 = 2 * c, h1 = 2 * c + 1;
#pragma unroll
    for (int i = 0; i < KSTEPS; i++)
    {
        const int d = 64 * (i >> 2) + 8 * g + 2 * (i & 3);
        if (h0 < G) { sm_acc[warp][h0][d] = o[i][0]; sm_acc[warp][h0][d + 1] = o[i][2]; }
        if (h1 < G) { sm_acc[warp][h1][d] = o[i][1]; sm_acc[warp][h1][d + 1] = o[i][3]; }
    }
    __syncthreads();
    decode_merge_warps<D, MAXG, W>(sm_m, sm_l, sm_acc, out, part_ml, part_acc, t, kvh, z, G, ctx, num_q_heads, split_len);
}


__device__ __forceinline__ float load_global_cg(const float* p)
{
    float v;
    asm volatile("ld.global.cg.f32 %0, [%1];\n" : "=f"(v) : "l"(p));
    return v;
}

// Split-K without a second launch: every split block of (token, KV head) has written its partials (decode_merge_warps);
// the one that arrives last at the counter merges them into the output, as attention_combine does (same order of
// operations, so the same bits), and puts the counter back to 0 for the next launch. The fences make each block's
// partials visible before its arrival counts and the last block read them after it saw every arrival.
template <int D, int W>
__device__ void decode_combine_splits(bf16* __restrict__ out, const float* part_ml, const float* part_acc, int* split_counters,
                                      int t, int kvh, int G, int ctx, int num_q_heads, int num_kv_heads, int split_len)
{
    __shared__ int last;
    const int n = (ctx + split_len - 1) / split_len; // the splits that hold keys of this token
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0)
    {
        int* counter = split_counters + (long long)t * num_kv_heads + kvh;
        last = atomicAdd(counter, 1) == n - 1;
        if (last) *counter = 0;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    const int splits = gridDim.z;
    for (int i = threadIdx.x; i < G * D; i += W * 32)
    {
        const int g = i / D, d = i % D, h = kvh * G + g;
        const long long base = ((long long)t * num_q_heads + h) * splits;
        float m = NEG_INF;
        for (int z = 0; z < n; z++) m = fmaxf(m, load_global_cg(part_ml + 2 * (base + z)));
        float l = 0.0f, a = 0.0f;
        for (int z = 0; z < n; z++)
        {
            const float w = expf(load_global_cg(part_ml + 2 * (base + z)) - m);
            l += load_global_cg(part_ml + 2 * (base + z) + 1) * w;
            a += load_global_cg(part_acc + (base + z) * D + d) * w;
        }
        out[(long long)t * num_q_heads * D + (long long)h * D + d] = f2bf(a / l);
    }
}

// rope != 0: the step's q/k norm and RoPE happen here (decode_rope_prologue; qkv holds the projection as it came out,
// inv_freq, slots and, for Qwen3, q_norm and k_norm are given). rope == 0: qkv's query heads are rotated already and
// the step's keys are in the cache (qk_norm_rope ran), and those five arguments are not read.
// preload != 0 (only with rope): the first tile of every warp is loaded before the wait (decode_attention_mma).
// split_counters (tokens × KV heads ints, all 0 between launches) given: split launches merge their partials in the
// last block of each (token, KV head) (decode_combine_splits); null: attention_combine runs after.
#if DEC_USE_MMA
#define DECODE_ATTENTION_BODY(D, MAXG, W, STEPS)                                                               \
    decode_attention_mma<D, MAXG, STEPS, W>(out, part_ml, part_acc, qkv, k_cache, v_cache, token_seq, positions, \
        block_tables, max_blocks, block_size, num_q_heads, num_kv_heads, split_len, scale, inv_freq, q_norm,   \
        k_norm, slots, eps, rope, preload, reinterpret_cast<bf16(*)[D]>(sm_q), reinterpret_cast<bf16*>(sm_own))
#else
// Registers bound NI: at G = 8 the query, scores and accumulators take 192 of them, so tiles are halved.
#define DECODE_ATTENTION_BODY(D, MAXG, W, STEPS)                                                               \
    {                                                                                                          \
        kernel_prewait_begin();                                                                                \
        const int ctx = positions[t] + 1, start = blockIdx.z * split_len;                                      \
        if (start < ctx)                                                                                       \
            decode_prefetch_kv<D, W, 1>(k_cache, v_cache, block_tables + (long long)token_seq[t] * max_blocks,  \
                                        block_size, num_kv_heads, kvh, start, min(ctx, start + split_len));    \
        kernel_prewait_end();                                                                                  \
        if (start >= ctx) return;                                                                              \
        const bf16* q_heads = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * D + (long long)kvh * G * D; \
        if (rope)                                                                                              \
        {                                                                                                      \
            DecodeRopeConsts<D> rc;                                                                            \
            decode_rope_load<D>(rc, positions, t, inv_freq, q_norm, k_norm);                                   \
            decode_rope_prologue<D, W>(reinterpret_cast<bf16(*)[D]>(sm_q), reinterpret_cast<bf16*>(sm_own), rc, qkv, \
                                       q_norm != nullptr, k_norm != nullptr, const_cast<bf16*>(k_cache),       \
                                       const_cast<bf16*>(v_cache), slots, eps, t, kvh, G, num_q_heads,         \
                                       num_kv_heads, ctx - start <= split_len);                                \
            q_heads = reinterpret_cast<const bf16*>(sm_q);                                                     \
        }                                                                                                      \
        decode_attention_simt<D, MAXG, (MAXG <= 4 ? 8 : 4), W>(out, part_ml, part_acc, q_heads, k_cache,       \
            v_cache, token_seq, positions, block_tables, max_blocks, block_size, num_q_heads, num_kv_heads,    \
            split_len, scale);                                                                                 \
    }
#endif

#define DEFINE_DECODE_ATTENTION(NAME, D, MAXG, W, STEPS)                                                       \
    extern "C" __global__ void __launch_bounds__(W * 32, DEC_MIN_BLOCKS) NAME(                                 \
        bf16* out, float* part_ml, float* part_acc, const bf16* qkv, const bf16* k_cache, const bf16* v_cache, \
        const int* token_seq, const int* positions, const int* block_tables, int max_blocks, int block_size,   \
        int num_q_heads, int num_kv_heads, int split_len, float scale, const float* inv_freq,                  \
        const bf16* q_norm, const bf16* k_norm, const int* slots, float eps, int rope, int preload,            \
        int* split_counters)                                                                                   \
    {                                                                                                          \
        __shared__ uint4 sm_q[MAXG * D / 8]; /* 16-byte aligned: the q loads are uint4 */                     \
        __shared__ uint4 sm_own[2 * D / 8];  /* the step's own key and value, as the prologue stored them */  \
        const int t = blockIdx.x, kvh = blockIdx.y, G = num_q_heads / num_kv_heads;                            \
        DECODE_ATTENTION_BODY(D, MAXG, W, STEPS);                                                              \
        const int ctx = positions[t] + 1;                                                                      \
        if (blockIdx.z * split_len >= ctx) return;                                                             \
        if (split_counters && gridDim.z > 1 && ctx > split_len)                                                \
            decode_combine_splits<D, W>(out, part_ml, part_acc, split_counters, t, kvh, G, ctx, num_q_heads,   \
                                        num_kv_heads, split_len);                                              \
    }

// decode_attention_dD_gG: DEC_WARPS warps, for grids that fill the GPU. decode_attention_wide_dD_gG: DEC_WIDE_WARPS
// warps of DEC_WIDE_STEPS(D) steps each, for grids smaller than the GPU (a decode of few sequences), where a block
// has its SM to itself: 256 keys at D = 128 in one round, so that a context up to that is read before the wait.
#define DEFINE_DECODE_ATTENTION_ALL_G(D)                                                                       \
    DEFINE_DECODE_ATTENTION(decode_attention_d##D##_g1, D, 1, DEC_WARPS, DEC_MMA_STEPS(D))                     \
    DEFINE_DECODE_ATTENTION(decode_attention_d##D##_g2, D, 2, DEC_WARPS, DEC_MMA_STEPS(D))                     \
    DEFINE_DECODE_ATTENTION(decode_attention_d##D##_g4, D, 4, DEC_WARPS, DEC_MMA_STEPS(D))                     \
    DEFINE_DECODE_ATTENTION(decode_attention_d##D##_g8, D, 8, DEC_WARPS, DEC_MMA_STEPS(D))                     \
    DEFINE_DECODE_ATTENTION(decode_attention_wide_d##D##_g1, D, 1, DEC_WIDE_WARPS, DEC_WIDE_STEPS(D))          \
    DEFINE_DECODE_ATTENTION(decode_attention_wide_d##D##_g2, D, 2, DEC_WIDE_WARPS, DEC_WIDE_STEPS(D))          \
    DEFINE_DECODE_ATTENTION(decode_attention_wide_d##D##_g4, D, 4, DEC_WIDE_WARPS, DEC_WIDE_STEPS(D))

DEFINE_DECODE_ATTENTION_ALL_G(64)
DEFINE_DECODE_ATTENTION_ALL_G(128)
DEFINE_DECODE_ATTENTION_ALL_G(256)
// G = 8 wide: the warps' partial outputs (W × G × D floats) must stay within 32 KB, which D = 256 would pass.
DEFINE_DECODE_ATTENTION(decode_attention_wide_d64_g8, 64, 8, DEC_WIDE_WARPS, DEC_WIDE_STEPS(64))
DEFINE_DECODE_ATTENTION(decode_attention_wide_d128_g8, 128, 8, DEC_WIDE_WARPS, DEC_WIDE_STEPS(128))
