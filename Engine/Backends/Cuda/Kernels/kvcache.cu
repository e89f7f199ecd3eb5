// The paged KV cache: per layer, K and V each [num_blocks * block_size, Hkv, D]; slot = block * block_size + offset.

// Copies the new tokens' keys and values out of the fused QKV rows into their slots (slot < 0: skip).
extern "C" __global__ void kv_write(bf16* __restrict__ k_cache, bf16* __restrict__ v_cache,
                                    const bf16* __restrict__ qkv, const int* __restrict__ slots,
                                    int num_q_heads, int num_kv_heads, int head_dim)
{
    kernel_start();
    const int t = blockIdx.x;
    const int slot = slots[t];
    if (slot < 0) return;
    const int width = num_kv_heads * head_dim;
    const bf16* k = qkv + (long long)t * (num_q_heads + 2 * num_kv_heads) * head_dim + num_q_heads * head_dim;
    const bf16* v = k + width;
    bf16* kc = k_cache + (long long)slot * width;
    bf16* vc = v_cache + (long long)slot * width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) { kc[i] = k[i]; vc[i] = v[i]; }
}

// Copies whole blocks (src, dst pairs) in every cache (layers x {K, V}); used for copy-on-write of shared
// prefixes and for moving blocks. block_elems * 2 bytes is a multiple of 16, so 16-byte moves are safe.
extern "C" __global__ void copy_kv_blocks(bf16* __restrict__ caches, const int* __restrict__ pairs,
                                          long long cache_elems, int block_elems)
{
    kernel_start();
    const int p = blockIdx.x, c = blockIdx.y;
    const long long src = (long long)pairs[2 * p] * block_elems, dst = (long long)pairs[2 * p + 1] * block_elems;
    const uint4* s = reinterpret_cast<const uint4*>(caches + c * cache_elems + src);
    uint4* d = reinterpret_cast<uint4*>(caches + c * cache_elems + dst);
    const int n = block_elems / 8;
    for (int i = threadIdx.x; i < n; i += blockDim.x) d[i] = s[i];
}
