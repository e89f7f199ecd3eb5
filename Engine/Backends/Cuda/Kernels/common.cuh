// Shared by every kernel file; the compiler prepends it, so no CUDA headers are needed and NVRTC
// compiles the same text on any toolkit. bf16 is carried as its raw 16 bits.
typedef unsigned short bf16;

#define NEG_INF (__int_as_float(0xff800000))

__device__ __forceinline__ float bf2f(bf16 x) { return __uint_as_float(((unsigned)x) << 16); }

// Round to nearest even, as torch does; NaN stays NaN.
__device__ __forceinline__ bf16 f2bf(float f)
{
    unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (bf16)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (bf16)(u >> 16);
}

// Eight bf16 packed in a uint4 (one 16-byte load), low half of each word first.
__device__ __forceinline__ void unpack_bf16x8(const uint4 v, float* f)
{
    f[0] = __uint_as_float(v.x << 16); f[1] = __uint_as_float(v.x & 0xffff0000u);
    f[2] = __uint_as_float(v.y << 16); f[3] = __uint_as_float(v.y & 0xffff0000u);
    f[4] = __uint_as_float(v.z << 16); f[5] = __uint_as_float(v.z & 0xffff0000u);
    f[6] = __uint_as_float(v.w << 16); f[7] = __uint_as_float(v.w & 0xffff0000u);
}

// Eight bf16 at p (16-byte aligned) widened to fp32.
__device__ __forceinline__ void load8(const bf16* p, float* out) { unpack_bf16x8(*reinterpret_cast<const uint4*>(p), out); }

__device__ __forceinline__ float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block; blockDim.x must be a multiple of 32. The leading barrier lets callers reuse it.
__device__ float block_sum(float v)
{
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    const int warps = blockDim.x >> 5;
    v = (int)threadIdx.x < warps ? partial[threadIdx.x] : 0.0f;
    if (warp == 0) v = warp_sum(v);
    if (threadIdx.x == 0) partial[0] = v;
    __syncthreads();
    return partial[0];
}

// Programmatic dependent launch (sm_90+; no-ops elsewhere and when the launch did not ask for it). A kernel
// launched with the programmatic-serialization attribute may start while the previous kernel in the stream
// still runs; grid_dependency_wait() blocks until that kernel (and so, transitively, every earlier one) has
// finished and its writes are visible. Every kernel calls it before it touches memory another kernel writes
// (reads and writes alike); only reads of what no kernel writes (weights, step inputs copied before the step)
// may come earlier, which is the point: a GEMV streams its weights while the previous kernel finishes.
// allow_dependents_launch() lets the next kernel be scheduled once every block of this one has called it.
//
// PDL_EARLY_TRIGGER picks when. 1: first thing, before the wait, so the next kernel (and, as it does the same,
// the one after it) is resident and streaming its weights while this one still waits: the chain of a decode
// layer's small kernels overlaps several deep, limited only by the SM resources the waiting blocks hold. No
// deadlock: a kernel is scheduled only once every block of the one before is resident, so the oldest kernel
// always runs. 0: after the wait, at most two kernels overlap. The runner compiles one or the other
// (CudaRunnerOptions.EarlyDependentLaunch).
#ifndef PDL_EARLY_TRIGGER
#define PDL_EARLY_TRIGGER 1
#endif

__device__ __forceinline__ void grid_dependency_wait()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

__device__ __forceinline__ void allow_dependents_launch()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// A kernel that reads something before its wait brackets it: kernel_prewait_begin(), the early reads,
// kernel_prewait_end(). Either way the next kernel is allowed to launch exactly once.
__device__ __forceinline__ void kernel_prewait_begin()
{
#if PDL_EARLY_TRIGGER
    allow_dependents_launch();
#endif
}

__device__ __forceinline__ void kernel_prewait_end()
{
    grid_dependency_wait();
#if !PDL_EARLY_TRIGGER
    allow_dependents_launch();
#endif
}

// The usual prologue of a kernel that reads nothing early.
__device__ __forceinline__ void kernel_start()
{
    kernel_prewait_begin();
    kernel_prewait_end();
}

// A hint that the 128-byte line at p will be read soon: fetched into L2 and nothing else. L2 is the GPU's point
// of coherence, so prefetching a line another kernel is still writing is harmless: the read after the wait sees
// the write. Prefetches never fault, but p must lie in an allocation all the same.
__device__ __forceinline__ void prefetch_l2(const void* p)
{
    asm volatile("prefetch.global.L2 [%0];\n" ::"l"(p));
}
