// Greedy sampling on the device: the index of each row's largest logit (ties: the lowest index, as torch.argmax).
extern "C" __global__ void argmax_rows(int* __restrict__ out, const float* __restrict__ logits, int vocab)
{
    kernel_start();
    const float* row = logits + (long long)blockIdx.x * vocab;
    float best = NEG_INF;
    int index = 0x7fffffff;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x)
    {
        const float v = row[i];
        if (v > best) { best = v; index = i; }
    }
    for (int o = 16; o > 0; o >>= 1)
    {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, index, o);
        if (ov > best || (ov == best && oi < index)) { best = ov; index = oi; }
    }
    __shared__ float sv[32];
    __shared__ int si[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sv[warp] = best; si[warp] = index; }
    __syncthreads();
    if (warp != 0) return;
    const int warps = blockDim.x >> 5;
    best = lane < warps ? sv[lane] : NEG_INF;
    index = lane < warps ? si[lane] : 0x7fffffff;
    for (int o = 16; o > 0; o >>= 1)
    {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oi = __shfl_xor_sync(0xffffffffu, index, o);
        if (ov > best || (ov == best && oi < index)) { best = ov; index = oi; }
    }
    if (lane == 0) out[blockIdx.x] = index;
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
