// Tensor-core paged attention for prefill (flash-attention 2's scheme on mma.sync m16n8k16, bf16 in, fp32
// accumulate; sm_80 and later). Same inputs and causal rule as paged_attention in attention.cu: query token t
// at positions[t] attends to keys 0..positions[t] of sequence token_seq[t], its keys found through the block
// table. Compiled as a module of its own (TensorCoreAttention), so that nothing here can stop the main
// kernels from loading.
//
// A block of FA_WARPS warps takes FA_ROWS consecutive query tokens of one query head; each warp owns 16 rows
// (the mma's M). Key and value tiles of FA_KEYS keys are staged in shared memory once for all warps. Tokens
// of a block may belong to several sequences (a chunked-prefill batch packs them back to back): the block
// makes one pass per sequence present, each over that sequence's keys, with the other rows masked.
//
// Register layout of m16n8k16 (g = lane / 4, c = lane % 4):
//   A (16x16, row-major):  a0 = (g, 2c..2c+1)  a1 = (g+8, 2c..)  a2 = (g, 2c+8..)  a3 = (g+8, 2c+8..)
//   B (16x8, column):      b0 = (k = 2c..2c+1, n = g)  b1 = (k = 2c+8.., n = g)
//   C (16x8, fp32):        c0, c1 = (g, 2c..2c+1)  c2, c3 = (g+8, 2c..2c+1)
// so the S = Q·Kᵀ accumulators of two adjacent 8-key tiles are already the A operand of P·V.
//
// K and V tiles are double-buffered: cp.async brings tile i+1 while the warps work on tile i, and the mma
// operands come out of shared memory with ldmatrix (.trans for V), four 8x8 fragments an instruction.
// Blocks run from the last rows down: under the causal rule those see the most keys, so the long blocks
// start first and the short ones fill the tail.

#define FA_WARPS 4
#define FA_THREADS (FA_WARPS * 32)
#define FA_ROWS (FA_WARPS * 16)
#define FA_KEYS 32

__device__ __forceinline__ void mma_16816(float* d, const unsigned* a, unsigned b0, unsigned b1)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats as bf16 in one register, the lower column in the low half (as the fragments expect).
__device__ __forceinline__ unsigned pack_bf16(float lo, float hi) { return (unsigned)f2bf(lo) | ((unsigned)f2bf(hi) << 16); }

__device__ __forceinline__ unsigned load_u32(const bf16* p) { return *reinterpret_cast<const unsigned*>(p); }

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

__device__ __forceinline__ void cp_async_wait_one() { asm volatile("cp.async.wait_group 1;\n" ::: "memory"); }

template <int D>
__device__ void flash_prefill(
    bf16* __restrict__ out, const bf16* __restrict__ qkv, const bf16* __restrict__ k_cache, const bf16* __restrict__ v_cache,
    const int* __restrict__ token_seq, const int* __restrict__ positions, const int* __restrict__ block_tables,
    int tokens, int max_blocks, int block_size, int num_q_heads, int num_kv_heads, float scale)
{
    constexpr int STRIDE = D + 8;      // padded rows: the fragment reads below hit 32 different banks
    constexpr int KSTEPS = D / 16;     // k-steps of Q·Kᵀ over the head dimension
    constexpr int DTILES = D / 8;      // n-tiles of P·V over the head dimension
    constexpr int CHUNKS = D / 8;      // 16-byte pieces of one key row
    constexpr int NTILES = FA_KEYS / 8;

    // Two buffers of each; declared as uint4 so rows are 16-byte aligned for cp.async and ldmatrix.
    constexpr int TILE_ELEMS = FA_KEYS * STRIDE;
    __shared__ uint4 ks_raw[2 * TILE_ELEMS / 8];
    __shared__ uint4 vs_raw[2 * TILE_ELEMS / 8];
    bf16* ks_all = reinterpret_cast<bf16*>(ks_raw);
    bf16* vs_all = reinterpret_cast<bf16*>(vs_raw);
    __shared__ int row_seq[FA_ROWS], row_pos[FA_ROWS];

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int g = lane >> 2, c = lane & 3;
    const int h = blockIdx.y, kvh = h / (num_q_heads / num_kv_heads);
    const int tb = (gridDim.x - 1 - blockIdx.x) * FA_ROWS;
    if (threadIdx.x < FA_ROWS)
    {
        const int t = tb + threadIdx.x;
        row_seq[threadIdx.x] = t < tokens ? token_seq[t] : -1;
        row_pos[threadIdx.x] = t < tokens ? positions[t] : -1;
    }
    __syncthreads();

    const long long qkv_stride = (long long)(num_q_heads + 2 * num_kv_heads) * D;
    const long long kv_stride = (long long)num_kv_heads * D;
    const long long head_off = (long long)kvh * D;
    const float scale_log2 = scale * 1.4426950408889634f;
    const int w0 = warp * 16;
    const int i0 = w0 + g, i1 = w0 + g + 8;      // this thread's two rows of the block
    const int r0 = tb + i0, r1 = tb + i1;
    const bool ok0 = r0 < tokens, ok1 = r1 < tokens;

    // The warp's Q tile (A operand), kept in registers for every pass.
    unsigned qa[KSTEPS][4];
    {
        const bf16* q0 = qkv + (long long)(ok0 ? r0 : 0) * qkv_stride + (long long)h * D;
        const bf16* q1 = qkv + (long long)(ok1 ? r1 : 0) * qkv_stride + (long long)h * D;
#pragma unroll
        for (int s = 0; s < KSTEPS; s++)
        {
            const int col = s * 16 + 2 * c;
            qa[s][0] = ok0 ? load_u32(q0 + col) : 0u;
            qa[s][1] = ok1 ? load_u32(q1 + col) : 0u;
            qa[s][2] = ok0 ? load_u32(q0 + col + 8) : 0u;
            qa[s][3] = ok1 ? load_u32(q1 + col + 8) : 0u;
        }
    }

    unsigned long long pending = 0;
    for (int i = 0; i < FA_ROWS; i++)
        if (row_seq[i] >= 0) pending |= 1ull << i;

    while (pending != 0)
    {
        // One pass per sequence among the block's rows; every thread derives the same pass from shared memory.
        const int seq = row_seq[__ffsll((long long)pending) - 1];
        unsigned long long pass = 0;
        int last = -1;
        for (int i = 0; i < FA_ROWS; i++)
            if (((pending >> i) & 1ull) && row_seq[i] == seq) { pass |= 1ull << i; last = max(last, row_pos[i]); }
        pending &= ~pass;
        const int p0 = ((pass >> i0) & 1ull) ? row_pos[i0] : -1;   // -1: the row is masked in this pass
        const int p1 = ((pass >> i1) & 1ull) ? row_pos[i1] : -1;
        int warp_last = -1;
        for (int i = w0; i < w0 + 16; i++)
            if ((pass >> i) & 1ull) warp_last = max(warp_last, row_pos[i]);
        const int* table = block_tables + (long long)seq * max_blocks;

        float o[DTILES][4];
#pragma unroll
        for (int t = 0; t < DTILES; t++) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.0f;
        float m0 = NEG_INF, m1 = NEG_INF, l0 = 0.0f, l1 = 0.0f;

        // Queues the cp.async copies of the K and V rows of keys k0.. into buffer b (zeros past last).
        auto load_tile = [&](int k0, int b) {
            for (int i = threadIdx.x; i < FA_KEYS * CHUNKS; i += FA_THREADS)
            {
                const int j = i / CHUNKS, piece = i % CHUNKS, key = k0 + j;
                const bool in = key <= last;
                const long long slot = in ? (long long)table[key / block_size] * block_size + key % block_size : 0;
                const long long at = slot * kv_stride + head_off + piece * 8;
                // Keys past the last are zero: their probability is 0, and 0 times a stale NaN would not be.
                cp_async16(shared_address(ks_all + b * TILE_ELEMS + j * STRIDE + piece * 8), k_cache + at, in ? 16 : 0);
                cp_async16(shared_address(vs_all + b * TILE_ELEMS + j * STRIDE + piece * 8), v_cache + at, in ? 16 : 0);
            }
        };

        __syncthreads();   // the previous pass is done with both buffers
        load_tile(0, 0);
        cp_async_commit();
        int buf = 0;
        for (int k0 = 0; k0 <= last; k0 += FA_KEYS, buf ^= 1)
        {
            if (k0 + FA_KEYS <= last) load_tile(k0 + FA_KEYS, buf ^ 1);
            cp_async_commit();   // possibly empty, so that "all but one group" always means this tile
            cp_async_wait_one();
            __syncthreads();
            if (k0 <= warp_last)   // warp-uniform: otherwise this warp's rows see none of these keys
            {
                const bf16* ks = ks_all + buf * TILE_ELEMS;
                const bf16* vs = vs_all + buf * TILE_ELEMS;
                float s[NTILES][4];
#pragma unroll
                for (int n = 0; n < NTILES; n++)
                {
                    s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
                    // Matrix lane / 8 of the x4: dims +0, +8 (kstep 2 st2) and +16, +24 (kstep 2 st2 + 1).
                    const unsigned krow = shared_address(ks + (n * 8 + (lane & 7)) * STRIDE + (lane >> 3) * 8);
#pragma unroll
                    for (int st2 = 0; st2 < KSTEPS / 2; st2++)
                    {
                        unsigned kb[4];
                        ldmatrix_x4(kb, krow + st2 * 32 * 2);
                        mma_16816(s[n], qa[2 * st2], kb[0], kb[1]);
                        mma_16816(s[n], qa[2 * st2 + 1], kb[2], kb[3]);
                    }
                }

                // Causal mask and the online softmax, in the log2 domain.
                float mx0 = m0, mx1 = m1;
#pragma unroll
                for (int n = 0; n < NTILES; n++)
#pragma unroll
                    for (int e = 0; e < 2; e++)
                    {
                        const int key = k0 + n * 8 + 2 * c + e;
                        s[n][e] = key <= p0 ? s[n][e] * scale_log2 : NEG_INF;
                        s[n][2 + e] = key <= p1 ? s[n][2 + e] * scale_log2 : NEG_INF;
                        mx0 = fmaxf(mx0, s[n][e]);
                        mx1 = fmaxf(mx1, s[n][2 + e]);
                    }
                // A row's values are spread over the four lanes of its quad.
                mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
                mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
                mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
                mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
                // A row that has seen no key yet keeps m = -inf; a base of 0 keeps its factors 0 rather than NaN.
                const float base0 = mx0 == NEG_INF ? 0.0f : mx0, base1 = mx1 == NEG_INF ? 0.0f : mx1;
                const float alpha0 = exp2f(m0 - base0), alpha1 = exp2f(m1 - base1);
                float sum0 = 0.0f, sum1 = 0.0f;
#pragma unroll
                for (int n = 0; n < NTILES; n++)
#pragma unroll
                    for (int e = 0; e < 2; e++)
                    {
                        s[n][e] = exp2f(s[n][e] - base0);
                        s[n][2 + e] = exp2f(s[n][2 + e] - base1);
                        sum0 += s[n][e];
                        sum1 += s[n][2 + e];
                    }
                sum0 += __shfl_xor_sync(0xffffffffu, sum0, 1);
                sum0 += __shfl_xor_sync(0xffffffffu, sum0, 2);
                sum1 += __shfl_xor_sync(0xffffffffu, sum1, 1);
                sum1 += __shfl_xor_sync(0xffffffffu, sum1, 2);
                l0 = l0 * alpha0 + sum0;
                l1 = l1 * alpha1 + sum1;
                m0 = mx0;
                m1 = mx1;
#pragma unroll
                for (int t = 0; t < DTILES; t++) { o[t][0] *= alpha0; o[t][1] *= alpha0; o[t][2] *= alpha1; o[t][3] *= alpha1; }

                // O += P·V, 16 keys per k-step; P's fragments come straight from the S accumulators. Matrix
                // lane / 8 of the transposed x4: keys +0 / +8 of dim tile 2 t2, then the same of tile 2 t2 + 1.
                const unsigned vrow = shared_address(vs + (((lane >> 3) & 1) * 8 + (lane & 7)) * STRIDE + (lane >> 4) * 8);
#pragma unroll
                for (int kstep = 0; kstep < FA_KEYS / 16; kstep++)
                {
                    const unsigned pa[4] = {
                        pack_bf16(s[2 * kstep][0], s[2 * kstep][1]), pack_bf16(s[2 * kstep][2], s[2 * kstep][3]),
                        pack_bf16(s[2 * kstep + 1][0], s[2 * kstep + 1][1]), pack_bf16(s[2 * kstep + 1][2], s[2 * kstep + 1][3]),
                    };
#pragma unroll
                    for (int t2 = 0; t2 < DTILES / 2; t2++)
                    {
                        unsigned vb[4];
                        ldmatrix_x4_trans(vb, vrow + (kstep * 16 * STRIDE + t2 * 16) * 2);
                        mma_16816(o[2 * t2], pa, vb[0], vb[1]);
                        mma_16816(o[2 * t2 + 1], pa, vb[2], vb[3]);
                    }
                }
            }
            __syncthreads();   // every warp is done with this buffer before the next round refills it
        }

        const long long out_stride = (long long)num_q_heads * D;
        if (p0 >= 0)
        {
            const float inv = 1.0f / l0;
            bf16* row = out + (long long)r0 * out_stride + (long long)h * D + 2 * c;
#pragma unroll
            for (int t = 0; t < DTILES; t++) *reinterpret_cast<unsigned*>(row + t * 8) = pack_bf16(o[t][0] * inv, o[t][1] * inv);
        }
        if (p1 >= 0)
        {
            const float inv = 1.0f / l1;
            bf16* row = out + (long long)r1 * out_stride + (long long)h * D + 2 * c;
#pragma unroll
            for (int t = 0; t < DTILES; t++) *reinterpret_cast<unsigned*>(row + t * 8) = pack_bf16(o[t][2] * inv, o[t][3] * inv);
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
