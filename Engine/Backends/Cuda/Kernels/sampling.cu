// Greedy sampling on the device: the index of each row's largest logit (ties: the lowest index, as torch.argmax).
// Grid (rows, chunks), ARGMAX_THREADS a block. A few rows (a decode of few sequences) would leave one SM per row to read
// 600 KB of Qwen3 logits, so each row is cut into chunks whose blocks run side by side; with chunks > 1 each block
// leaves its chunk's (value, index) in part_v/part_i, and the block that arrives last at its row's counter (0 between
// launches, put back to 0 by that block) reduces them in chunk order, which gives the lowest index on ties as one block would.
#define ARGMAX_THREADS 256

__device__ __forceinline__ void argmax_keep(float& best, int& index, float v, int i)
{
    if (v > best || (v == best && i < index)) { best = v; index = i; }
}

// The block's (value, index) on thread 0.
__device__ __forceinline__ void argmax_block(float& best, int& index)
{
    for (int o = 16; o > 0; o >>= 1)
        argmax_keep(best, index, __shfl_xor_sync(0xffffffffu, best, o), __shfl_xor_sync(0xffffffffu, index, o));
    __shared__ float sv[32];
    __shared__ int si[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = index; }
    __syncthreads();
    if (warp == 0)
    {
        const int warps = blockDim.x >> 5;
        best = lane < warps ? sv[lane] : NEG_INF;
        index = lane < warps ? si[lane] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1)
            argmax_keep(best, index, __shfl_xor_sync(0xffffffffu, best, o), __shfl_xor_sync(0xffffffffu, index, o));
    }
}

extern "C" __global__ void __launch_bounds__(ARGMAX_THREADS) argmax_rows(
    int* __restrict__ out, const float* __restrict__ logits, int vocab, float* part_v, int* part_i, int* counters)
{
    kernel_start();
    const int r = blockIdx.x, chunk = blockIdx.y, chunks = gridDim.y;
    const float* row = logits + (long long)r * vocab;
    const int per = (vocab + chunks - 1) / chunks;
    const int begin = chunk * per, end = min(vocab, begin + per);
    float best = NEG_INF;
    int index = 0x7fffffff;
    // Four loads in flight a thread; each thread's indices rise, so keeping only a strictly larger value keeps the lowest.
    int i = begin + threadIdx.x;
    for (; i + 3 * ARGMAX_THREADS < end; i += 4 * ARGMAX_THREADS)
    {
        const float v0 = row[i], v1 = row[i + ARGMAX_THREADS], v2 = row[i + 2 * ARGMAX_THREADS], v3 = row[i + 3 * ARGMAX_THREADS];
        if (v0 > best) { best = v0; index = i; }
        if (v1 > best) { best = v1; index = i + ARGMAX_THREADS; }
        if (v2 > best) { best = v2; index = i + 2 * ARGMAX_THREADS; }
        if (v3 > best) { best = v3; index = i + 3 * ARGMAX_THREADS; }
    }
    for (; i < end; i += ARGMAX_THREADS)
    {
        const float v = row[i];
        if (v > best) { best = v; index = i; }
    }
    argmax_block(best, index);
    if (chunks == 1)
    {
        if (threadIdx.x == 0) out[r] = index;
        return;
    }
    __shared__ int last;
    if (threadIdx.x == 0)
    {
        part_v[(long long)r * chunks + chunk] = best;
        part_i[(long long)r * chunks + chunk] = index;
        __threadfence();
        last = atomicAdd(counters + r, 1) == chunks - 1;
        if (last) counters[r] = 0;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    best = NEG_INF;
    index = 0x7fffffff;
    for (int c = threadIdx.x; c < chunks; c += ARGMAX_THREADS)
    {
        float v;
        int at;
        asm volatile("ld.global.cg.f32 %0, [%1];\n" : "=f"(v) : "l"(part_v + (long long)r * chunks + c));
        asm volatile("ld.global.cg.s32 %0, [%1];\n" : "=r"(at) : "l"(part_i + (long long)r * chunks + c));
        argmax_keep(best, index, v, at);
    }
    argmax_block(best, index);
    if (threadIdx.x == 0) out[r] = index;
}

// ---- Temperature, top-k and top-p sampling. One block of 1024 threads per row, over the logits in place.
// The kept set is {i : e_i >= tau}, e_i = exp((x_i - max) / T) in (0, 1]; tau is found by bisection
// (counts for top-k, mass for top-p, each one pass over the row per step), then the row is scanned in
// index order and the token where the cumulative kept mass crosses u * kept mass is taken, as a CPU
// sampler walking the same distribution with the same uniform number would.

#define SAMPLE_THREADS 1024
#define SAMPLE_STEPS 30

__device__ float block_sum_1024(float v, float* shared32)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    v = lane < (SAMPLE_THREADS >> 5) ? shared32[lane] : 0.0f;
    v = warp_sum(v);
    return v;
}

__device__ float block_max_1024(float v, float* shared32)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) shared32[warp] = v;
    __syncthreads();
    v = lane < (SAMPLE_THREADS >> 5) ? shared32[lane] : NEG_INF;
    return warp_max(v);
}

extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS) sample_rows(
    int* __restrict__ out, float* __restrict__ logits, const float* __restrict__ temperature,
    const int* __restrict__ top_k, const float* __restrict__ top_p, const float* __restrict__ uniform, int vocab)
{
    kernel_start();
    __shared__ float red[32];
    __shared__ float seg_sums[SAMPLE_THREADS];
    const int r = blockIdx.x, tid = threadIdx.x;
    float* x = logits + (long long)r * vocab;
    const float temp = temperature[r];

    float m = NEG_INF;
    for (int i = tid; i < vocab; i += SAMPLE_THREADS) m = fmaxf(m, x[i]);
    m = block_max_1024(m, red);
    if (!(temp > 0.0f))
    {
        // Greedy: the lowest index holding the maximum.
        int best = 0x7fffffff;
        for (int i = tid; i < vocab; i += SAMPLE_THREADS) if (x[i] == m && i < best) best = i;
        const float b = block_max_1024(-(float)best, red);
        if (tid == 0) out[r] = (int)(-b);
        return;
    }
    for (int i = tid; i < vocab; i += SAMPLE_THREADS) x[i] = expf((x[i] - m) / temp);
    __syncthreads();

    // Top-k: the largest tau with at least k values >= tau.
    float lo = 0.0f, hi = 1.0f;
    const int k = top_k[r];
    if (k > 0 && k < vocab)
    {
        for (int step = 0; step < SAMPLE_STEPS; step++)
        {
            const float mid = 0.5f * (lo + hi);
            float count = 0.0f;
            for (int i = tid; i < vocab; i += SAMPLE_THREADS) count += x[i] >= mid ? 1.0f : 0.0f;
            count = block_sum_1024(count, red);
            if (count >= (float)k) lo = mid; else hi = mid;
        }
    }
    const float tau_k = lo;
    float mass = 0.0f;
    for (int i = tid; i < vocab; i += SAMPLE_THREADS) mass += x[i] >= tau_k ? x[i] : 0.0f;
    mass = block_sum_1024(mass, red);

    // Top-p: the largest tau >= tau_k whose kept mass is still at least p of the top-k mass.
    float tau = tau_k;
    const float p = top_p[r];
    if (p < 1.0f)
    {
        lo = tau_k;
        hi = 1.0f;
        for (int step = 0; step < SAMPLE_STEPS; step++)
        {
            const float mid = 0.5f * (lo + hi);
            float kept = 0.0f;
            for (int i = tid; i < vocab; i += SAMPLE_THREADS) kept += x[i] >= mid ? x[i] : 0.0f;
            kept = block_sum_1024(kept, red);
            if (kept >= p * mass) lo = mid; else hi = mid;
        }
        tau = lo;
        mass = 0.0f;
        for (int i = tid; i < vocab; i += SAMPLE_THREADS) mass += x[i] >= tau ? x[i] : 0.0f;
        mass = block_sum_1024(mass, red);
    }

    // Each thread owns a contiguous segment; a scan of the segment sums finds the segment to walk.
    const int seg = (vocab + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
    const int begin = min(vocab, tid * seg), end = min(vocab, begin + seg);
    float own = 0.0f;
    for (int i = begin; i < end; i++) own += x[i] >= tau ? x[i] : 0.0f;
    seg_sums[tid] = own;
    __syncthreads();
    // Inclusive Hillis-Steele scan over the 1024 segment sums.
    for (int offset = 1; offset < SAMPLE_THREADS; offset <<= 1)
    {
        const float add = tid >= offset ? seg_sums[tid - offset] : 0.0f;
        __syncthreads();
        seg_sums[tid] += add;
        __syncthreads();
    }
    const float total = seg_sums[SAMPLE_THREADS - 1];
    const float target = uniform[r] * total;
    const float before = tid > 0 ? seg_sums[tid - 1] : 0.0f;
    __shared__ int chosen;
    if (tid == 0) chosen = -1;
    __syncthreads();
    if (own > 0.0f && target >= before && (target < seg_sums[tid] || seg_sums[tid] >= total))
    {
        float acc = before;
        int pick = -1;
        for (int i = begin; i < end; i++)
        {
            if (x[i] >= tau && x[i] > 0.0f)
            {
                pick = i;
                acc += x[i];
                if (target < acc) break;
            }
        }
        atomicMax(&chosen, pick);
    }
    __syncthreads();
    if (tid == 0) out[r] = chosen;
}
