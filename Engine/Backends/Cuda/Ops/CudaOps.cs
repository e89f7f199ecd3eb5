using DynamoOrleans.Engine.Backends.Cuda.Blas;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// Typed launches of the NVRTC kernels (Kernels/*.cu). Pointers are device addresses; every argument is
/// a local whose address goes into a stackalloc'd array, so a launch allocates nothing on the managed heap.
/// Grid and block shapes live here, next to the kernels' expectations of them.
/// </summary>
public sealed unsafe class CudaOps
{
    private const uint RowThreads = 256;
    private const uint AttentionThreads = 128;
    private const int WideDecodeAttentionWarps = 8; // DEC_WIDE_WARPS in decode_attention.cu
    private const uint WideDecodeAttentionThreads = WideDecodeAttentionWarps * 32;
    private const uint ArgmaxThreads = 256; // ARGMAX_THREADS in sampling.cu
    private const int GemvWarps = 4; // GEMV_WARPS in gemv.cu
    private const int GemvRowsPerWarp = 2; // GEMV_ROWS
    private const int GemvUnroll = 4; // GEMV_UNROLL

    private readonly CudaKernel _embedding;
    private readonly CudaKernel _addRmsNorm;
    private readonly CudaKernel _siluMul;
    private readonly CudaKernel _gatherRows;
    private readonly CudaKernel _qkNormRope;
    private readonly CudaKernel _kvWrite;
    private readonly CudaKernel _copyBlocks;
    private readonly CudaKernel _combine;
    private readonly CudaKernel _argmax;
    private readonly CudaKernel _sample;
    private readonly Dictionary<(int HeadDim, int MaxGroup, bool Wide), CudaKernel> _attention = [];
    private readonly Dictionary<(int HeadDim, int MaxGroup), CudaKernel> _decodeAttention = [];
    private readonly Dictionary<(int HeadDim, int MaxGroup), CudaKernel> _wideDecodeAttention = [];
    private readonly CudaKernel[] _gemvBf16 = new CudaKernel[GemvMaxRows + 1];
    private readonly CudaKernel[] _gemvF32 = new CudaKernel[GemvMaxRows + 1];
    private readonly CudaKernel[] _gemvSwiGlu = new CudaKernel[GemvMaxRows + 1];
    private readonly CudaKernel[] _gemvResidual = new CudaKernel[GemvMaxRows + 1];
    private readonly CudaKernel[] _gemvNormBf16 = new CudaKernel[GemvMaxRows + 1];
    private readonly CudaKernel[] _gemvNormSwiGlu = new CudaKernel[GemvMaxRows + 1];
    private readonly int _multiprocessors;
    private readonly int _smCount;
    private readonly bool _wideDecodeAttentionOn;
    private readonly bool _preloadDecodeKv;

    /// <param name="programmaticLaunch">
    /// Launch every kernel with programmatic dependent launch (sm_90+): each may start while the one before it
    /// finishes, and a GEMV streams its weights meanwhile (see Kernels/common.cuh). Off, launches are ordinary.
    /// </param>
    /// <param name="splitGemvRows">GEMVs of few rows share a row group among several warps (<see cref="GemvShape"/>); off only to compare.</param>
    /// <param name="wideDecodeAttention">A decode attention grid smaller than the GPU runs the wide kernel (<see cref="DecodeAttention"/>); off only to compare.</param>
    /// <param name="preloadDecodeKv">The decode kernel with RoPE in its prologue loads each warp's first key tile before its wait; off only to compare.</param>
    public CudaOps(CudaModule module, bool programmaticLaunch = false, bool splitGemvRows = true,
        bool wideDecodeAttention = true, bool preloadDecodeKv = true)
    {
        CudaKernel Kernel(string name) => module.GetKernel(name, programmaticLaunch);
        // Counting no SMs never splits: GemvShape's blocks always fill "twice over".
        _multiprocessors = splitGemvRows ? module.Device.MultiprocessorCount : 0;
        _smCount = module.Device.MultiprocessorCount;
        _wideDecodeAttentionOn = wideDecodeAttention;
        _preloadDecodeKv = preloadDecodeKv;
        _embedding = Kernel("embedding_gather");
        _addRmsNorm = Kernel("add_rmsnorm");
        _siluMul = Kernel("silu_mul");
        _gatherRows = Kernel("gather_rows");
        _qkNormRope = Kernel("qk_norm_rope");
        _kvWrite = Kernel("kv_write");
        _copyBlocks = Kernel("copy_kv_blocks");
        _combine = Kernel("attention_combine");
        _argmax = Kernel("argmax_rows");
        _sample = Kernel("sample_rows");
        for (var m = 1; m <= GemvMaxRows; m++)
        {
            _gemvBf16[m] = Kernel($"gemv_m{m}_bf16");
            _gemvF32[m] = Kernel($"gemv_m{m}_f32");
            _gemvSwiGlu[m] = Kernel($"gemv_m{m}_swiglu");
            _gemvResidual[m] = Kernel($"gemv_m{m}_residual");
            _gemvNormBf16[m] = Kernel($"gemv_m{m}_norm_bf16");
            _gemvNormSwiGlu[m] = Kernel($"gemv_m{m}_norm_swiglu");
        }
        foreach (var d in DecodeAttentionHeadDims)
            for (var g = 1; g <= MaxQueryHeadsPerKvHead; g *= 2)
            {
                _decodeAttention[(d, g)] = Kernel($"decode_attention_d{d}_g{g}");
                if (WideDecodeAttentionWarps * g * d * 4 <= 32 * 1024) // decode_attention.cu defines no wide kernel past that
                    _wideDecodeAttention[(d, g)] = Kernel($"decode_attention_wide_d{d}_g{g}");
            }
        foreach (var d in SupportedHeadDims)
            for (var g = 1; g <= MaxQueryHeadsPerKvHead; g *= 2)
            {
                _attention[(d, g, false)] = Kernel($"paged_attention_d{d}_g{g}");
                _attention[(d, g, true)] = Kernel($"paged_attention_d{d}_g{g}_wide");
            }
    }

    public static IReadOnlyList<int> SupportedHeadDims { get; } = [32, 64, 128, 256];

    /// <summary>Head dims the decode kernel (decode_attention.cu) serves; others decode on the paged kernel.</summary>
    public static IReadOnlyList<int> DecodeAttentionHeadDims { get; } = [64, 128, 256];

    /// <summary>The most query heads that share one KV head in the attention kernel (ATTN_MAX_G).</summary>
    public const int MaxQueryHeadsPerKvHead = 8;

    /// <summary>Keys per attention chunk (ATTN_CHUNK), the most a block scores before its softmax update.</summary>
    public const int AttentionChunk = 256;

    /// <summary>Split lengths are multiples of this many keys.</summary>
    public const int SplitGranularity = 64;

    /// <summary>The most token rows the GEMV kernels take; more go to cuBLASLt.</summary>
    public const int GemvMaxRows = 8;

    /// <summary>Whether <see cref="Gemv"/> takes this shape: 1..8 rows, and rows whose length is whole 16-byte loads.</summary>
    public static bool GemvFits(int m, int k) => m is >= 1 and <= GemvMaxRows && k % 8 == 0;

    /// <summary>
    /// <c>y[m, n] = x[m, k] · w[n, k]ᵀ</c> for the few rows of a decode step (see gemv.cu); same contract as
    /// <see cref="CublasLtGemm.Linear"/> without accumulation. x and w must be 16-byte aligned.
    /// </summary>
    public void Gemv(ulong x, ulong w, ulong y, int m, int n, int k, GemmOutput output, CudaStream stream)
    {
        CheckGemv(x, w, m, k, GemvFits(m, k));
        var (blocks, ksplit) = GemvShape(n, k, _multiprocessors);
        void** args = stackalloc void*[] { &y, &x, &w, &n, &k, &ksplit };
        var kernel = output == GemmOutput.Fp32 ? _gemvF32[m] : _gemvBf16[m];
        kernel.Launch(blocks, 1, 1, GemvWarps * 32, stream, args);
    }

    /// <summary>
    /// <c>activated[m, n / 2] = silu(gate) · up</c> of <c>x · wᵀ</c> in one pass, w's rows interleaving the gate
    /// and up projections (<see cref="Model.WeightUploader"/>'s InterleaveRows); the same bits as
    /// <see cref="Gemv"/> to a bf16 [m, n] buffer followed by <see cref="SiluMul"/>.
    /// </summary>
    public void GemvSwiGlu(ulong x, ulong w, ulong activated, int m, int n, int k, CudaStream stream)
    {
        CheckGemv(x, w, m, k, GemvFits(m, k) && n % 2 == 0);
        var (blocks, ksplit) = GemvShape(n, k, _multiprocessors);
        void** args = stackalloc void*[] { &activated, &x, &w, &n, &k, &ksplit };
        _gemvSwiGlu[m].Launch(blocks, 1, 1, GemvWarps * 32, stream, args);
    }

    /// <summary>Shared memory a block may take without opting in: the normed rows and the kernel's static scratch.</summary>
    private const int DefaultSharedMemoryLimit = 48 * 1024;

    /// <summary>The norm GEMVs' static shared memory at m rows: block_sum's 32 fp32 partials (common.cuh) and the
    /// split warps' sums (gemv_slices in gemv.cu, there at every ksplit).</summary>
    private static int NormGemvStaticSharedBytes(int m) => (32 + GemvWarps * GemvRowsPerWarp * m) * sizeof(float);

    /// <summary>
    /// Whether the norm GEMVs (<see cref="GemvNorm"/>, <see cref="GemvNormSwiGlu"/>) take m rows of width k:
    /// <see cref="GemvFits"/>, and every block's copy of the normed rows (m · k bf16) beside block_sum's partials
    /// within 48 KB of shared memory (a launch asking for more fails with CUDA_ERROR_INVALID_VALUE).
    /// </summary>
    public static bool NormGemvFits(int m, int k) =>
        GemvFits(m, k) && 2L * m * k + NormGemvStaticSharedBytes(m) <= DefaultSharedMemoryLimit;

    /// <summary>
    /// <c>residual[m, n] += bf16(x · wᵀ)</c>: an O or down projection that adds into the fp32 residual stream itself,
    /// as <see cref="Gemv"/> to bf16 followed by <see cref="AddRmsNorm"/>'s add.
    /// </summary>
    public void GemvResidual(ulong x, ulong w, ulong residual, int m, int n, int k, CudaStream stream)
    {
        CheckGemv(x, w, m, k, GemvFits(m, k));
        var (blocks, ksplit) = GemvShape(n, k, _multiprocessors);
        void** args = stackalloc void*[] { &residual, &x, &w, &n, &k, &ksplit };
        _gemvResidual[m].Launch(blocks, 1, 1, GemvWarps * 32, stream, args);
    }

    /// <summary>
    /// <c>y[m, n] = (rmsnorm(residual) · normWeight) · wᵀ</c> in one launch: each block norms the m rows of the fp32
    /// residual stream into shared memory (bf16, as <see cref="AddRmsNorm"/> rounds them) before its GEMV.
    /// </summary>
    public void GemvNorm(ulong residual, ulong normWeight, float eps, ulong w, ulong y, int m, int n, int k, CudaStream stream)
    {
        CheckGemv(residual, w, m, k, NormGemvFits(m, k));
        var (blocks, ksplit) = GemvShape(n, k, _multiprocessors);
        void** args = stackalloc void*[] { &y, &residual, &normWeight, &eps, &w, &n, &k, &ksplit };
        _gemvNormBf16[m].Launch(blocks, 1, 1, GemvWarps * 32, stream, args, (uint)(2 * m * k));
    }

    /// <summary><see cref="GemvNorm"/> with <see cref="GemvSwiGlu"/>'s epilogue: the MLP's first half from the residual stream.</summary>
    public void GemvNormSwiGlu(ulong residual, ulong normWeight, float eps, ulong w, ulong activated, int m, int n, int k, CudaStream stream)
    {
        CheckGemv(residual, w, m, k, NormGemvFits(m, k) && n % 2 == 0);
        var (blocks, ksplit) = GemvShape(n, k, _multiprocessors);
        void** args = stackalloc void*[] { &activated, &residual, &normWeight, &eps, &w, &n, &k, &ksplit };
        _gemvNormSwiGlu[m].Launch(blocks, 1, 1, GemvWarps * 32, stream, args, (uint)(2 * m * k));
    }

    /// <summary>
    /// The grid of a GEMV over n rows of width k and how many warps share each row group (ksplit in gemv.cu): 1 while
    /// the layer's blocks fill the GPU twice over; otherwise (Qwen3-0.6B's O and down projections: 128 blocks for
    /// 132 SMs) as many warps a group, up to <see cref="GemvWarps"/>, as its rows have 16-byte-load rounds, so that a
    /// row's every round is requested at once.
    /// </summary>
    internal static (uint Blocks, int KSplit) GemvShape(int n, int k, int multiprocessors)
    {
        const int roundElements = 32 * GemvUnroll * 8;
        var rounds = (k + roundElements - 1) / roundElements;
        var ksplit = 1;
        while (ksplit < GemvWarps && ksplit < rounds && GemvBlocks(n, ksplit) < 2 * multiprocessors)
            ksplit *= 2;
        return ((uint)GemvBlocks(n, ksplit), ksplit);
    }

    private static int GemvBlocks(int n, int ksplit)
    {
        var rowsPerBlock = GemvWarps / ksplit * GemvRowsPerWarp;
        return (n + rowsPerBlock - 1) / rowsPerBlock;
    }

    private static void CheckGemv(ulong x, ulong w, int m, int k, bool fits)
    {
        if (!fits)
            throw new ArgumentOutOfRangeException(nameof(m), $"this GEMV does not take m={m}, k={k} (1..{GemvMaxRows} rows, k a multiple of 8; norm forms: m·k·2 + 128 + 32·m ≤ 48 KB; SwiGLU forms: n even)");
        if (((x | w) & 15) != 0)
            throw new ArgumentException("GEMV operands must be 16-byte aligned");
    }

    /// <summary>residual (fp32) [tokens, hidden] = table[ids].</summary>
    public void EmbeddingGather(ulong residual, ulong table, ulong ids, int tokens, int hidden, CudaStream stream)
    {
        void** args = stackalloc void*[] { &residual, &table, &ids, &hidden };
        _embedding.Launch((uint)tokens, 1, 1, RowThreads, stream, args);
    }

    /// <summary>residual += add (when add != 0); output (bf16) = rmsnorm(residual) · weight.</summary>
    public void AddRmsNorm(ulong output, ulong residual, ulong add, ulong weight, int tokens, int hidden, float eps, CudaStream stream)
    {
        void** args = stackalloc void*[] { &output, &residual, &add, &weight, &hidden, &eps };
        _addRmsNorm.Launch((uint)tokens, 1, 1, hidden >= 4096 ? 1024u : RowThreads, stream, args);
    }

    /// <summary>output [tokens, inter] = silu(gate) · up, gateUp's columns interleaving gate and up (2i, 2i + 1).</summary>
    public void SiluMul(ulong output, ulong gateUp, int tokens, int inter, CudaStream stream)
    {
        void** args = stackalloc void*[] { &output, &gateUp, &inter };
        _siluMul.Launch((uint)tokens, 1, 1, RowThreads, stream, args);
    }

    /// <summary>output[r] = input[rows[r]] for bf16 rows of <paramref name="width"/>.</summary>
    public void GatherRows(ulong output, ulong input, ulong rows, int count, int width, CudaStream stream)
    {
        void** args = stackalloc void*[] { &output, &input, &rows, &width };
        _gatherRows.Launch((uint)count, 1, 1, RowThreads, stream, args);
    }

    /// <summary>
    /// In place on fused QKV rows: optional per-head RMSNorm (qNorm/kNorm != 0), then RoPE on q and k heads.
    /// With <paramref name="kCache"/> != 0 it also stores each token's key and value in its slot
    /// (<paramref name="slots"/>, &lt; 0 skips), which <see cref="KvWrite"/> would otherwise do.
    /// </summary>
    public void QkNormRope(ulong qkv, ulong positions, ulong invFreq, ulong qNorm, ulong kNorm,
        int tokens, int numQHeads, int numKvHeads, int headDim, float eps, CudaStream stream,
        ulong kCache = 0, ulong vCache = 0, ulong slots = 0)
    {
        if (kCache != 0 && (vCache == 0 || slots == 0))
            throw new ArgumentException("storing keys needs the value cache and the slots too");
        void** args = stackalloc void*[] { &qkv, &positions, &invFreq, &qNorm, &kNorm, &kCache, &vCache, &slots, &numQHeads, &numKvHeads, &headDim, &eps };
        var heads = numQHeads + numKvHeads * (kCache != 0 ? 2 : 1);
        _qkNormRope.Launch((uint)tokens, (uint)heads, 1, (uint)Math.Max(32, headDim / 2), stream, args);
    }

    /// <summary>Writes each token's K and V from the fused QKV rows into its cache slot (slot &lt; 0 skips).</summary>
    public void KvWrite(ulong kCache, ulong vCache, ulong qkv, ulong slots, int tokens, int numQHeads, int numKvHeads, int headDim, CudaStream stream)
    {
        void** args = stackalloc void*[] { &kCache, &vCache, &qkv, &slots, &numQHeads, &numKvHeads, &headDim };
        _kvWrite.Launch((uint)tokens, 1, 1, RowThreads, stream, args);
    }

    /// <summary>Copies blocks (pairs of src, dst ids) in each of <paramref name="numCaches"/> caches laid out back to back.</summary>
    public void CopyKvBlocks(ulong caches, ulong pairs, int numPairs, int numCaches, long cacheElements, int blockElements, CudaStream stream)
    {
        void** args = stackalloc void*[] { &caches, &pairs, &cacheElements, &blockElements };
        _copyBlocks.Launch((uint)numPairs, (uint)numCaches, 1, RowThreads, stream, args);
    }

    /// <summary>
    /// Causal paged attention of each query token over keys 0..position of its sequence. With
    /// <paramref name="splits"/> &gt; 1 the key range is cut into <paramref name="splitLength"/>-key pieces
    /// whose partials (<paramref name="partialMl"/>, <paramref name="partialAcc"/>, sized
    /// tokens × Hq × splits × (2 | headDim) floats) are merged by a second kernel.
    /// </summary>
    public void PagedAttention(in AttentionArgs a, CudaStream stream)
    {
        if (a.Rope is not null)
            throw new ArgumentException("the paged attention kernel cannot do RoPE; run QkNormRope first");
        var group = a.NumQHeads / a.NumKvHeads;
        var bound = GroupBound(group);
        // Split launches have short key ranges per block: the wide score layout wins there (see attention.cu).
        Attention(_attention[(a.HeadDim, bound, a.Splits > 1)], a, stream);
    }

    /// <summary>
    /// The same attention as <see cref="PagedAttention"/>, on the kernel built for decode steps (one query token
    /// per sequence, a pass over the KV cache; see decode_attention.cu); head dims it does not serve take the paged kernel.
    /// </summary>
    public void DecodeAttention(in AttentionArgs a, CudaStream stream)
    {
        var shape = (a.HeadDim, GroupBound(a.NumQHeads / a.NumKvHeads));
        if (!_decodeAttention.TryGetValue(shape, out var kernel))
        {
            if (a.Rope is not null)
                throw new ArgumentException($"no decode attention kernel takes head dim {a.HeadDim} to do RoPE in (see {nameof(DecodeAttentionTakes)})");
            PagedAttention(a, stream);
            return;
        }
        var output = a.Output; var partMl = a.PartialMl; var partAcc = a.PartialAcc; var qkv = a.Qkv;
        var kCache = a.KCache; var vCache = a.VCache; var tokenSeq = a.TokenSequence; var positions = a.Positions;
        var tables = a.BlockTables; var maxBlocks = a.MaxBlocksPerSequence; var blockSize = a.BlockSize;
        var hq = a.NumQHeads; var hkv = a.NumKvHeads; var splitLength = a.SplitLength; var scale = a.Scale;
        var rope = a.Rope.GetValueOrDefault();
        var invFreq = rope.InvFreq; var qNorm = rope.QNorm; var kNorm = rope.KNorm; var slots = rope.Slots; var eps = rope.Eps;
        var inPrologue = a.Rope is null ? 0 : 1;
        var preload = inPrologue == 1 && _preloadDecodeKv ? 1 : 0;
        var counters = a.SplitCounters;
        if (inPrologue == 1 && (invFreq == 0 || slots == 0))
            throw new ArgumentException("RoPE in the decode kernel needs the frequencies and the slots");
        void** args = stackalloc void*[]
        {
            &output, &partMl, &partAcc, &qkv, &kCache, &vCache, &tokenSeq, &positions, &tables,
            &maxBlocks, &blockSize, &hq, &hkv, &splitLength, &scale, &invFreq, &qNorm, &kNorm, &slots, &eps, &inPrologue, &preload, &counters,
        };
        var threads = AttentionThreads;
        if (UsesWideDecodeAttention(a.Tokens, hkv, a.Splits) && _wideDecodeAttention.TryGetValue(shape, out var wide))
        {
            kernel = wide;
            threads = WideDecodeAttentionThreads;
        }
        kernel.Launch((uint)a.Tokens, (uint)hkv, (uint)a.Splits, threads, stream, args);
        if (counters == 0)
            Combine(a, stream);
    }

    /// <summary>
    /// Whether a decode attention grid of tokens × KV heads × splits blocks takes the wide kernel: fewer blocks than SMs,
    /// so that each has an SM to itself and twice the warps, each with twice the keys (decode_attention.cu), cost it
    /// nothing; the keys of a context up to 256 (at head dim 128) are then read in one round, before the kernel's wait.
    /// </summary>
    public bool UsesWideDecodeAttention(int tokens, int numKvHeads, int splits) =>
        _wideDecodeAttentionOn && (long)tokens * numKvHeads * splits < _smCount;

    /// <summary>Whether <see cref="DecodeAttention"/> has its own kernel for the shape (else it runs the paged one, which cannot do RoPE).</summary>
    public bool DecodeAttentionTakes(int headDim, int numQHeads, int numKvHeads) =>
        _decodeAttention.ContainsKey((headDim, GroupBound(numQHeads / numKvHeads)));

    private static int GroupBound(int group) => group <= 1 ? 1 : group <= 2 ? 2 : group <= 4 ? 4 : 8;

    private void Attention(CudaKernel kernel, in AttentionArgs a, CudaStream stream)
    {
        var output = a.Output; var partMl = a.PartialMl; var partAcc = a.PartialAcc; var qkv = a.Qkv;
        var kCache = a.KCache; var vCache = a.VCache; var tokenSeq = a.TokenSequence; var positions = a.Positions;
        var tables = a.BlockTables; var maxBlocks = a.MaxBlocksPerSequence; var blockSize = a.BlockSize;
        var hq = a.NumQHeads; var hkv = a.NumKvHeads; var splitLength = a.SplitLength; var scale = a.Scale;
        void** args = stackalloc void*[]
        {
            &output, &partMl, &partAcc, &qkv, &kCache, &vCache, &tokenSeq, &positions, &tables,
            &maxBlocks, &blockSize, &hq, &hkv, &splitLength, &scale,
        };
        kernel.Launch((uint)a.Tokens, (uint)hkv, (uint)a.Splits, AttentionThreads, stream, args);
        Combine(a, stream);
    }

    /// <summary>Merges the splits' partial softmax states into the output; nothing when the keys were not split.</summary>
    private void Combine(in AttentionArgs a, CudaStream stream)
    {
        if (a.Splits == 1)
            return;
        var output = a.Output; var partMl = a.PartialMl; var partAcc = a.PartialAcc; var positions = a.Positions;
        var hq = a.NumQHeads; var headDim = a.HeadDim; var splitLength = a.SplitLength; var splits = a.Splits;
        void** combine = stackalloc void*[] { &output, &partMl, &partAcc, &positions, &hq, &headDim, &splitLength, &splits };
        _combine.Launch((uint)a.Tokens, (uint)hq, 1, (uint)headDim, stream, combine);
    }

    /// <summary>
    /// output[r] = argmax of fp32 logits row r (lowest index on ties). Given <paramref name="scratch"/> (8 ×
    /// rows × <see cref="MaxArgmaxChunks"/> bytes) and <paramref name="counters"/> (an int per row, 0 between launches;
    /// each launch leaves them at 0), a few rows are cut into chunks scanned side by side (<see cref="ArgmaxChunks"/>);
    /// without, a block a row.
    /// </summary>
    public void ArgmaxRows(ulong output, ulong logits, int rows, int vocab, CudaStream stream, ulong scratch = 0, ulong counters = 0)
    {
        var chunks = scratch != 0 && counters != 0 ? ArgmaxChunks(rows, vocab, _smCount) : 1;
        var partValues = scratch;
        var partIndices = scratch + 4UL * (ulong)(rows * chunks);
        void** args = stackalloc void*[] { &output, &logits, &vocab, &partValues, &partIndices, &counters };
        _argmax.Launch((uint)rows, (uint)chunks, 1, ArgmaxThreads, stream, args);
    }

    /// <summary>The most chunks <see cref="ArgmaxRows"/> cuts a row into: its scratch holds rows × this many (value, index) pairs.</summary>
    public const int MaxArgmaxChunks = 64;

    /// <summary>
    /// How many blocks share each row of <see cref="ArgmaxRows"/>: enough for the rows to cover the SMs twice, each
    /// chunk at least 4,096 logits (16 KB, so that a chunk's scan outweighs its share of the merge), at most <see cref="MaxArgmaxChunks"/>.
    /// </summary>
    public static int ArgmaxChunks(int rows, int vocab, int multiprocessors)
    {
        var wanted = (2 * multiprocessors + rows - 1) / rows;
        return Math.Clamp(Math.Min(wanted, vocab / 4096), 1, MaxArgmaxChunks);
    }

    /// <summary>
    /// output[r] = a token sampled from row r of the fp32 logits (overwritten) with per-row temperature
    /// (≤ 0: greedy), top-k (0: off), top-p (1: off) and a uniform number in [0, 1) that decides the draw.
    /// </summary>
    public void SampleRows(ulong output, ulong logits, ulong temperature, ulong topK, ulong topP, ulong uniform, int rows, int vocab, CudaStream stream)
    {
        void** args = stackalloc void*[] { &output, &logits, &temperature, &topK, &topP, &uniform, &vocab };
        _sample.Launch((uint)rows, 1, 1, 1024, stream, args);
    }
}
