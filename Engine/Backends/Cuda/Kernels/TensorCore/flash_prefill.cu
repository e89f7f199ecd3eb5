// Tensor-core paged attention for prefill (flash-attention 2's scheme on mma.sync m16n8k16, bf16 in, fp32
// accumulate; sm_80 and later). Same inputs and causal rule as paged_attention in attention.cu: query token t
// at positions[t] attends to keys 0..positions[t] of sequence token_seq[t], its keys found through the block
// table. Compiled as a module of its own (TensorCoreAttention), so that nothing here can stop the main
// kernels from loading.
//
// A block of FA_WARPS warps takes FA_ROWS consecutive query tokens of one query head; each warp owns
// FA_WARP_ROWS rows, one or two m-tiles of the mma's 16. With two, every K and V fragment a warp reads from
// shared memory feeds two mma, which keeps ldmatrix traffic below what the tensor cores consume (flash-attention
// 2's 128 x 64 tiles on 4 warps). Q is staged in shared memory once and read per k-step, since a warp's Q
// fragments, O accumulators and scores for 32 rows would not fit the registers together. Key and value tiles of
// FA_KEYS keys are staged once for all warps. Tokens of a block may belong to several sequences (a
// chunked-prefill batch packs them back to back): the block makes one pass per sequence present, each over that
// sequence's keys, with the other rows masked.
//
// Register layout of m16n8k16 (g = lane / 4, c = lane % 4):
//   A (16x16, row-major):  a0 = (g, 2c..2c+1)  a1 = (g+8, 2c..)  a2 = (g, 2c+8..)  a3 = (g+8, 2c+8..)
//   B (16x8, column):      b0 = (k = 2c..2c+1, n = g)  b1 = (k = 2c+8.., n = g)
//   C (16x8, fp32):        c0, c1 = (g, 2c..2c+1)  c2, c3 = (g+8, 2c..2c+1)
// so the S = Q·Kᵀ accumulators of two adjacent 8-key tiles are already the A operand of P·V.
//
// K and V tiles are double-buffered: cp.async brings tile i+1 while the warps work on tile i, one barrier a
// tile, and the mma operands come out of shared memory with ldmatrix (.trans for V), four 8x8 fragments an
// instruction. Shared memory is dynamic (over the 48 KB static limit); TensorCoreAttention sizes it with the
// same formula as the layout below. Blocks run from the last rows down, all heads of a row range together:
// under the causal rule those rows see the most keys, so the long blocks start first and the short ones fill
// the tail, and the heads of a KV group read the same key tiles while they are in L2.
//
// The tile shape is a compile-time choice; TensorCoreAttention always defines all three (the defaults here
// only serve scripts/gpu/check-kernels.sh), and the kernel benchmark compiles other shapes to compare.

#ifndef FA_WARPS
#define FA_WARPS 4
#endif
#ifndef FA_WARP_ROWS
#define FA_WARP_ROWS 32 // 16 or 32: one or two m-tiles a warp
#endif
#ifndef FA_KEYS
#define FA_KEYS 32 // keys a shared-memory tile; a multiple of 16 (the k of P·V)
#endif
#define FA_THREADS (FA_WARPS * 32)
#define FA_ROWS (FA_WARPS * FA_WARP_ROWS)
#define FA_MTILES (FA_WARP_ROWS / 16)

static_assert(FA_WARP_ROWS == 16 || FA_WARP_ROWS == 32, "a warp owns one or two m-tiles");
static_assert(FA_KEYS % 16 == 0, "P·V takes keys 16 at a time");
static_assert(FA_ROWS % 32 == 0, "the sequence leaders of the block's rows are kept as 32-bit ballots");

__device__ __forceinline__ void mma_16816(float* d, const unsigned* a, unsigned b0, unsigned b1)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats as bf16 (round to nearest even) in one register, the lower column in the low half, as the
// fragments expect; one instruction where f2bf twice would be a dozen, and this runs for every probability.
__device__ __forceinline__ unsigned pack_bf16(float lo, float hi)
{
    unsigned r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

// 2^x on the special-function unit alone (exp2f may add range fix-ups); -inf gives 0, as the masking relies on.
__device__ __forceinline__ float fast_exp2(float x)
{
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ unsigned shared_address(const void* p)
{
    unsigned a;
    asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
    return a;
}

__device__ __forceinline__ void ldmatrix_x4(unsigned* r, unsigned address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(address));
}

__device__ __forceinline__ void ldmatrix_x4_trans(unsigned* r, unsigned address)
{
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(address));
}

// 16 bytes global -> shared without passing through registers; src_bytes 0 writes zeros.
__device__ __forceinline__ void cp_async16(unsigned dst, const void* src, int src_bytes)
{
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes) : "memory");
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;\n" ::: "memory"); }

// The first row after `after` that leads a sequence (its first row in the block), or -1 when none is left.
__device__ __forceinline__ int next_leader(const unsigned* leaders, int after)
{
    const int from = after + 1;
    for (int w = from >> 5; w < FA_ROWS / 32; w++)
    {
        unsigned bits = leaders[w];
        if (w == from >> 5) bits &= ~0u << (from & 31);
        if (bits != 0) return w * 32 + __ffs((int)bits) - 1;
    }
    return -1;
}

__device__ __forceinline__ int warp_max(int v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ int warp_min(int v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Queues the cp.async copies of the K and V rows of keys k0 .. k0 + FA_KEYS - 1 into one buffer of each, zeros
// past `last`. A function rather than a lambda: clang keeps a large lambda's captures in local memory.
template <int D>
__device__ __forceinline__ void load_kv_tile(
    bf16* ks, bf16* vs, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache, const int* __restrict__ table,
    int k0, int last, int block_size, int block_shift, long long kv_stride, long long head_off)
{
    constexpr int STRIDE = D + 8, CHUNKS = D / 8, PIECES = FA_KEYS * CHUNKS;
#pragma unroll
    for (int round = 0; round < (PIECES + FA_THREADS - 1) / FA_THREADS; round++)
    {
        const int i = threadIdx.x + round * FA_THREADS;
        if (PIECES % FA_THREADS != 0 && i >= PIECES) break;
        const int j = i / CHUNKS, piece = i % CHUNKS, key = k0 + j;
        const bool in = key <= last;
        long long slot = 0;
        if (in)
        {
            const int page = block_shift >= 0 ? key >> block_shift : key / block_size;
            slot = (long long)table[page] * block_size + (key - page * block_size);
        }
        const long long at = slot * kv_stride + head_off + piece * 8;
        // Keys past the last are zero: their probability is 0, and 0 times a stale NaN would not be.
        cp_async16(shared_address(ks + j * STRIDE + piece * 8), k_cache + at, in ? 16 : 0);
        cp_async16(shared_address(vs + j * STRIDE + piece * 8), v_cache + at, in ? 16 : 0);
    }
}

// Dynamic shared memory: Q (FA_ROWS rows), then two K tiles, then two V tiles, every row D + 8 bf16. uint4 keeps
// rows 16-byte aligned for cp.async and ldmatrix.
extern __shared__ uint4 fa_shared[];

template <int D>
__device__ void flash_prefill(
    bf16* __restrict__ out, const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int tokens, int max_blocks, int block_size, int num_q_heads, int num_kv_heads, float scale)
{
    constexpr int STRIDE = D + 8;      // padded rows: the 8 rows of an ldmatrix fragment hit 8 different 16-byte banks
    constexpr int KSTEPS = D / 16;     // k-steps of Q·Kᵀ over the head dimension
    constexpr int DTILES = D / 8;      // n-tiles of P·V over the head dimension
    constexpr int CHUNKS = D / 8;      // 16-byte pieces of one row
    constexpr int NTILES = FA_KEYS / 8;
    constexpr int TILE_ELEMS = FA_KEYS * STRIDE;

    bf16* qs = reinterpret_cast<bf16*>(fa_shared);
    bf16* ks_all = qs + FA_ROWS * STRIDE;
    bf16* vs_all = ks_all + 2 * TILE_ELEMS;
    __shared__ int row_seq[FA_ROWS], row_pos[FA_ROWS];
    __shared__ unsigned leaders[FA_ROWS / 32];   // bit i % 32 of word i / 32: row i is its sequence's first here

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int g = lane >> 2, c = lane & 3;
    const int h = blockIdx.x % num_q_heads, kvh = h / (num_q_heads / num_kv_heads);
    const int row_blocks = gridDim.x / num_q_heads;
    const int tb = (row_blocks - 1 - (int)(blockIdx.x / num_q_heads)) * FA_ROWS;
    const long long qkv_stride = (long long)(num_q_heads + 2 * num_kv_heads) * D;

    if (threadIdx.x < FA_ROWS)   // FA_ROWS <= FA_THREADS, as a warp owns at most 32 rows
    {
        const int t = tb + threadIdx.x;
        row_seq[threadIdx.x] = t < tokens ? token_seq[t] : -1;
        row_pos[threadIdx.x] = t < tokens ? positions[t] : -1;
    }
    // The block's Q rows (zeros past the last token), waited for with the first key tile.
    for (int i = threadIdx.x; i < FA_ROWS * CHUNKS; i += FA_THREADS)
    {
        const int r = i / CHUNKS, piece = i % CHUNKS, t = tb + r;
        const bf16* src = qkv + (long long)(t < tokens ? t : 0) * qkv_stride + (long long)h * D + piece * 8;
        cp_async16(shared_address(qs + r * STRIDE + piece * 8), src, t < tokens ? 16 : 0);
    }
    cp_async_commit();
    __syncthreads();
    if (warp < FA_ROWS / 32)
    {
        const int i = warp * 32 + lane, seq = row_seq[i];
        bool leads = seq >= 0;
        for (int j = 0; j < i && leads; j++) leads = row_seq[j] != seq;
        const unsigned bits = __ballot_sync(0xffffffffu, leads);
        if (lane == 0) leaders[warp] = bits;
    }
    __syncthreads();

    const long long kv_stride = (long long)num_kv_heads * D;
    const long long head_off = (long long)kvh * D;
    const float scale_log2 = scale * 1.4426950408889634f;
    const int w0 = warp * FA_WARP_ROWS;
    // Block sizes are powers of two in practice: a shift instead of a division for every key row loaded.
    const int block_shift = (block_size & (block_size - 1)) == 0 ? __ffs(block_size) - 1 : -1;

    // ldmatrix row addresses. Q (A operand), matrix lane / 8 of the x4: rows +0 / +8 at dims +0, then at dims +8.
    unsigned qrow[FA_MTILES];
#pragma unroll
    for (int mt = 0; mt < FA_MTILES; mt++)
        qrow[mt] = shared_address(qs + (w0 + mt * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * STRIDE + (lane >> 4) * 8);
    // K (B operand, keys as rows), matrix lane / 8: dims +0 / +8 of key tile 2 n2, then the same of tile 2 n2 + 1.
    const int krow_off = ((lane >> 4) * 8 + (lane & 7)) * STRIDE + ((lane >> 3) & 1) * 8;
    // V (B operand, transposed), matrix lane / 8: keys +0 / +8 of dim tile 2 t2, then the same of tile 2 t2 + 1.
    const int vrow_off = (((lane >> 3) & 1) * 8 + (lane & 7)) * STRIDE + (lane >> 4) * 8;

    for (int leader = next_leader(leaders, -1); leader >= 0; leader = next_leader(leaders, leader))
    {
        // One pass per sequence among the block's rows; every thread derives the same pass from shared memory.
        const int seq = row_seq[leader];
        int last = -1;   // the sequence's last key any row of this block needs
        for (int i = lane; i < FA_ROWS; i += 32)
            if (row_seq[i] == seq) last = max(last, row_pos[i]);
        last = warp_max(last);
        int p[FA_MTILES][2];   // this thread's rows' positions, -1 where the row is masked in this pass
        int mine_first = 0x7fffffff, mine_last = -1;
#pragma unroll
        for (int mt = 0; mt < FA_MTILES; mt++)
#pragma unroll
            for (int half = 0; half < 2; half++)
            {
                const int i = w0 + mt * 16 + half * 8 + g;
                p[mt][half] = row_seq[i] == seq ? row_pos[i] : -1;
                mine_first = min(mine_first, p[mt][half]);
                mine_last = max(mine_last, p[mt][half]);
            }
        // Over the warp's rows: past warp_last it skips a tile, and only tiles reaching past warp_first need the
        // causal mask (a masked-out row's -1 makes that every tile).
        const int warp_first = warp_min(mine_first), warp_last = warp_max(mine_last);
        const int* table = block_tables + (long long)seq * max_blocks;

        float o[FA_MTILES][DTILES][4];
        float m[FA_MTILES][2], l[FA_MTILES][2];   // running max (unscaled scores) and this thread's share of the sum
#pragma unroll
        for (int mt = 0; mt < FA_MTILES; mt++)
        {
#pragma unroll
            for (int t = 0; t < DTILES; t++) o[mt][t][0] = o[mt][t][1] = o[mt][t][2] = o[mt][t][3] = 0.0f;
            m[mt][0] = m[mt][1] = NEG_INF;
            l[mt][0] = l[mt][1] = 0.0f;
        }

        __syncthreads();   // the previous pass is done with both buffers
        load_kv_tile<D>(ks_all, vs_all, k_cache, v_cache, table, 0, last, block_size, block_shift, kv_stride, head_off);
        cp_async_commit();
        int buf = 0;
        for (int k0 = 0; k0 <= last; k0 += FA_KEYS, buf ^= 1)
        {
            cp_async_wait_all();
            // Tile k0 (and Q) is visible to every warp, and every warp is done with the other buffer, which the
            // next tile refills while this one is computed: one barrier a tile.
            __syncthreads();
            if (k0 + FA_KEYS <= last)
            {
                load_kv_tile<D>(ks_all + (buf ^ 1) * TILE_ELEMS, vs_all + (buf ^ 1) * TILE_ELEMS, k_cache, v_cache, table,
                                k0 + FA_KEYS, last, block_size, block_shift, kv_stride, head_off);
                cp_async_commit();
            }
            if (k0 > warp_last) continue;   // warp-uniform: this warp's rows see none of these keys

            const unsigned krow = shared_address(ks_all + buf * TILE_ELEMS + krow_off);
            const unsigned vrow = shared_address(vs_all + buf * TILE_ELEMS + vrow_off);
            float s[FA_MTILES][NTILES][4];
#pragma unroll
            for (int mt = 0; mt < FA_MTILES; mt++)
#pragma unroll
                for (int n = 0; n < NTILES; n++) s[mt][n][0] = s[mt][n][1] = s[mt][n][2] = s[mt][n][3] = 0.0f;
            // One k-step (16 dims) at a time, so that only one A fragment per m-tile is live beside S and O.
#pragma unroll
            for (int ks = 0; ks < KSTEPS; ks++)
            {
                unsigned qa[FA_MTILES][4];
#pragma unroll
                for (int mt = 0; mt < FA_MTILES; mt++) ldmatrix_x4(qa[mt], qrow[mt] + ks * 16 * 2);
#pragma unroll
                for (int n2 = 0; n2 < NTILES / 2; n2++)
                {
                    unsigned kb[4];
                    ldmatrix_x4(kb, krow + (n2 * 16 * STRIDE + ks * 16) * 2);
#pragma unroll
                    for (int mt = 0; mt < FA_MTILES; mt++)
                    {
                        mma_16816(s[mt][2 * n2], qa[mt], kb[0], kb[1]);
                        mma_16816(s[mt][2 * n2 + 1], qa[mt], kb[2], kb[3]);
                    }
                }
            }

            if (k0 + FA_KEYS - 1 > warp_first)   // warp-uniform: the causal mask, where some key passes some row
#pragma unroll
                for (int mt = 0; mt < FA_MTILES; mt++)
#pragma unroll
                    for (int n = 0; n < NTILES; n++)
#pragma unroll
                        for (int e = 0; e < 2; e++)
                        {
                            const int key = k0 + n * 8 + 2 * c + e;
                            if (key > p[mt][0]) s[mt][n][e] = NEG_INF;
                            if (key > p[mt][1]) s[mt][n][2 + e] = NEG_INF;
                        }

            // The online softmax, in the log2 domain with the scale folded into the exponent's fma.
#pragma unroll
            for (int mt = 0; mt < FA_MTILES; mt++)
            {
                float mx0 = m[mt][0], mx1 = m[mt][1];
#pragma unroll
                for (int n = 0; n < NTILES; n++)
                {
                    mx0 = fmaxf(mx0, fmaxf(s[mt][n][0], s[mt][n][1]));
                    mx1 = fmaxf(mx1, fmaxf(s[mt][n][2], s[mt][n][3]));
                }
                // A row's values are spread over the four lanes of its quad.
                mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
                mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
                mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
                mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
                // A row that has seen no key yet keeps m = -inf; a base of 0 keeps its factors 0 rather than NaN.
                const float base0 = mx0 == NEG_INF ? 0.0f : mx0 * scale_log2;
                const float base1 = mx1 == NEG_INF ? 0.0f : mx1 * scale_log2;
                const float alpha0 = fast_exp2(fmaf(m[mt][0], scale_log2, -base0));
                const float alpha1 = fast_exp2(fmaf(m[mt][1], scale_log2, -base1));
                float sum0 = 0.0f, sum1 = 0.0f;
#pragma unroll
                for (int n = 0; n < NTILES; n++)
#pragma unroll
                    for (int e = 0; e < 2; e++)
                    {
                        s[mt][n][e] = fast_exp2(fmaf(s[mt][n][e], scale_log2, -base0));
                        s[mt][n][2 + e] = fast_exp2(fmaf(s[mt][n][2 + e], scale_log2, -base1));
                        sum0 += s[mt][n][e];
                        sum1 += s[mt][n][2 + e];
                    }
                // The quad's shares of l are summed once, at the end: alpha is the same across the quad.
                l[mt][0] = l[mt][0] * alpha0 + sum0;
                l[mt][1] = l[mt][1] * alpha1 + sum1;
                m[mt][0] = mx0;
                m[mt][1] = mx1;
#pragma unroll
                for (int t = 0; t < DTILES; t++)
                {
                    o[mt][t][0] *= alpha0; o[mt][t][1] *= alpha0;
                    o[mt][t][2] *= alpha1; o[mt][t][3] *= alpha1;
                }
            }

            // O += P·V, 16 keys a k-step; P's fragments come straight from the S accumulators, and each V
            // fragment serves every m-tile of the warp.
#pragma unroll
            for (int kstep = 0; kstep < FA_KEYS / 16; kstep++)
            {
                unsigned pa[FA_MTILES][4];
#pragma unroll
                for (int mt = 0; mt < FA_MTILES; mt++)
                {
                    pa[mt][0] = pack_bf16(s[mt][2 * kstep][0], s[mt][2 * kstep][1]);
                    pa[mt][1] = pack_bf16(s[mt][2 * kstep][2], s[mt][2 * kstep][3]);
                    pa[mt][2] = pack_bf16(s[mt][2 * kstep + 1][0], s[mt][2 * kstep + 1][1]);
                    pa[mt][3] = pack_bf16(s[mt][2 * kstep + 1][2], s[mt][2 * kstep + 1][3]);
                }
#pragma unroll
                for (int t2 = 0; t2 < DTILES / 2; t2++)
                {
                    unsigned vb[4];
                    ldmatrix_x4_trans(vb, vrow + (kstep * 16 * STRIDE + t2 * 16) * 2);
#pragma unroll
                    for (int mt = 0; mt < FA_MTILES; mt++)
                    {
                        mma_16816(o[mt][2 * t2], pa[mt], vb[0], vb[1]);
                        mma_16816(o[mt][2 * t2 + 1], pa[mt], vb[2], vb[3]);
                    }
                }
            }
        }

        const long long out_stride = (long long)num_q_heads * D;
#pragma unroll
        for (int mt = 0; mt < FA_MTILES; mt++)
#pragma unroll
            for (int half = 0; half < 2; half++)
            {
                float sum = l[mt][half];
                sum += __shfl_xor_sync(0xffffffffu, sum, 1);
                sum += __shfl_xor_sync(0xffffffffu, sum, 2);
                if (p[mt][half] < 0) continue;
                const float inv = 1.0f / sum;
                bf16* row = out + (long long)(tb + w0 + mt * 16 + half * 8 + g) * out_stride + (long long)h * D + 2 * c;
#pragma unroll
                for (int t = 0; t < DTILES; t++)
                    *reinterpret_cast<unsigned*>(row + t * 8) = pack_bf16(o[mt][t][2 * half] * inv, o[mt][t][2 * half + 1] * inv);
            }
    }
}

#define DEFINE_FLASH_PREFILL(D)                                                                                     \
    extern "C" __global__ void __launch_bounds__(FA_THREADS) flash_prefill_d##D(                                    \
        bf16* out, const bf16* qkv, const bf16* k_cache, const bf16* v_cache, const int* token_seq,                 \
        const int* positions, const int* block_tables, int tokens, int max_blocks, int block_size, int num_q_heads, \
        int num_kv_heads, float scale)                                                                              \
    {                                                                                                               \
        kernel_start();                                                                                             \
        flash_prefill<D>(out, qkv, k_cache, v_cache, token_seq, positions, block_tables, tokens, max_blocks,        \
                         block_size, num_q_heads, num_kv_heads, scale);                                             \
    }

DEFINE_FLASH_PREFILL(64)
DEFINE_FLASH_PREFILL(128)
