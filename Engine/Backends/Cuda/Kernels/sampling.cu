// Greedy sampling on the device: the index of each row's largest logit (ties: the lowest index, as torch.argmax).
extern "C" __global__ void argmax_rows(int* __restrict__ out, const float* __restrict__ logits, int vocab)
{
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
