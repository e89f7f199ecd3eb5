// Declarations that let clang compile our NVRTC kernels without the CUDA toolkit (scripts/gpu/check-kernels.sh):
// a syntax, type and inline-asm check for machines with no GPU and no NVRTC. Not used at run time.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __restrict__ __restrict
struct uint3_ { unsigned x, y, z; };
struct __tid { __device__ unsigned get_x() const { return __nvvm_read_ptx_sreg_tid_x(); } __declspec(property(get = get_x)) unsigned x; __device__ unsigned get_y() const { return __nvvm_read_ptx_sreg_tid_y(); } __declspec(property(get = get_y)) unsigned y;};
struct __bid { __device__ unsigned get_x() const { return __nvvm_read_ptx_sreg_ctaid_x(); } __declspec(property(get = get_x)) unsigned x; __device__ unsigned get_y() const { return __nvvm_read_ptx_sreg_ctaid_y(); } __declspec(property(get = get_y)) unsigned y; __device__ unsigned get_z() const { return __nvvm_read_ptx_sreg_ctaid_z(); } __declspec(property(get = get_z)) unsigned z;};
struct __bdim { __device__ unsigned get_x() const { return __nvvm_read_ptx_sreg_ntid_x(); } __declspec(property(get = get_x)) unsigned x; };
struct __gdim { __device__ unsigned get_x() const { return __nvvm_read_ptx_sreg_nctaid_x(); } __declspec(property(get = get_x)) unsigned x; __device__ unsigned get_y() const { return __nvvm_read_ptx_sreg_nctaid_y(); } __declspec(property(get = get_y)) unsigned y; __device__ unsigned get_z() const { return __nvvm_read_ptx_sreg_nctaid_z(); } __declspec(property(get = get_z)) unsigned z; };
extern const __device__ __tid threadIdx; extern const __device__ __bid blockIdx; extern const __device__ __bdim blockDim; extern const __device__ __gdim gridDim;
struct __attribute__((aligned(16))) uint4 { unsigned x, y, z, w; };
struct __attribute__((aligned(8))) uint2 { unsigned x, y; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
__device__ float __shfl_xor_sync(unsigned m, float v, int o);
__device__ int __shfl_xor_sync(unsigned m, int v, int o);
__device__ unsigned __shfl_xor_sync(unsigned m, unsigned v, int o);
__device__ float __shfl_sync(unsigned m, float v, int o);
__device__ int __shfl_sync(unsigned m, int v, int o);
__device__ unsigned __ballot_sync(unsigned m, int p);
__device__ void __syncthreads();
__device__ void __threadfence();
__device__ void __syncwarp(unsigned m = 0xffffffffu);
__device__ float exp2f(float); __device__ float expf(float); __device__ float logf(float); __device__ float fmaxf(float, float); __device__ float fminf(float, float); __device__ float rsqrtf(float); __device__ float sqrtf(float); __device__ float sinf(float); __device__ float cosf(float); __device__ float powf(float,float); __device__ float fabsf(float); __device__ float fmaf(float, float, float); __device__ float __expf(float); __device__ void __sincosf(float, float*, float*); __device__ void sincosf(float, float*, float*);
__device__ float __int_as_float(int); __device__ float __uint_as_float(unsigned); __device__ unsigned __float_as_uint(float); __device__ int __float_as_int(float);
__device__ int __ffsll(long long); __device__ int __ffs(int); __device__ int __popc(unsigned); __device__ int __clz(int);
__device__ int min(int, int); __device__ int max(int, int); __device__ long long min(long long, long long); __device__ unsigned min(unsigned, unsigned);
__device__ float atomicAdd(float*, float); __device__ int atomicMax(int*, int); __device__ unsigned atomicMax(unsigned*, unsigned); __device__ unsigned long long atomicMax(unsigned long long*, unsigned long long); __device__ unsigned long long atomicCAS(unsigned long long*, unsigned long long, unsigned long long); __device__ int atomicAdd(int*, int); __device__ unsigned atomicAdd(unsigned*, unsigned);
