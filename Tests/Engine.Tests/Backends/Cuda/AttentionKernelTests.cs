using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>Paged attention against a float64 reference over the same paged cache, for prefill and decode shapes.</summary>
public sealed class AttentionKernelTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    private const int BlockSize = 16;

    public static TheoryData<int, int, int, int[], int[], int> Cases => new()
    {
        // headDim, Hq, Hkv, query tokens per sequence, cached tokens per sequence, splits
        { 128, 16, 8, [1, 7, 300], [0, 20, 0], 1 },        // prefill: fresh, cached prefix, long (two chunks)
        { 64, 4, 2, [33, 1], [0, 0], 1 },
        { 32, 4, 2, [9, 1], [3, 0], 1 },
        { 256, 8, 1, [5], [0], 1 },                         // G = 8, the kernel's maximum
        { 128, 16, 8, [1, 1, 1], [1000, 5, 700], 4 },      // decode, split-K over a long context
        { 128, 32, 8, [1, 1], [2047, 300], 3 },            // decode, G = 4
        { 64, 4, 4, [4, 1], [600, 0], 2 },                 // chunked prefill continuing a long prefix, split
        { 128, 28, 4, [3, 1], [40, 900], 5 },              // G = 7 runs on the G <= 8 kernel
        { 32, 6, 2, [70, 1], [0, 300], 1 },                // G = 3 on the G <= 4 kernel, D = 32
        { 32, 4, 2, [1, 1], [500, 70], 3 },                // split decode (wide layout), D = 32
        { 256, 8, 2, [1], [700], 2 },                      // split decode (wide layout), D = 256, G = 4
    };

    [GpuTheory]
    [MemberData(nameof(Cases))]
    public void PagedAttention_RandomCache_MatchesReference(int headDim, int hq, int hkv, int[] queryLengths, int[] cachedLengths, int splits) =>
        CheckAgainstReference(headDim, hq, hkv, queryLengths, cachedLengths, splits, (args, stream) => cuda.Ops.PagedAttention(args, stream));

    public static TheoryData<int, int, int, int[], int> DecodeCases => new()
    {
        // headDim, Hq, Hkv, cached tokens per sequence (one query token each), splits
        { 128, 16, 8, [0, 20, 300, 1000], 1 },             // G = 2 (Qwen3-0.6B): one key, a partial tile, many tiles
        { 128, 32, 8, [2047, 300, 5], 1 },                 // G = 4 (Llama-3.1-8B)
        { 128, 32, 8, [2047, 300, 5], 4 },                 // split-K, a split shorter than a warp's tile
        { 64, 4, 4, [600, 0, 63, 64], 1 },                 // G = 1, D = 64: four keys a warp load
        { 64, 8, 1, [129, 1], 3 },                         // G = 8: halved tiles
        { 256, 8, 2, [700, 17], 2 },                       // D = 256: a lane group is the whole warp
        { 128, 28, 4, [40, 900], 5 },                      // G = 7 on the G <= 8 kernel
        { 32, 4, 2, [500, 70], 3 },                        // D = 32: falls back to the paged kernel
        { 128, 8, 8, [1500, 33, 16], 1 },                  // G = 1, D = 128
        { 128, 64, 8, [1000, 15], 2 },                     // G = 8, D = 128, split
        { 256, 16, 2, [300, 1], 1 },                       // G = 8, D = 256
        { 256, 4, 4, [129, 2], 3 },                        // G = 1, D = 256, split
        { 64, 8, 4, [777, 64, 3], 2 },                     // G = 2, D = 64, split
        { 128, 32, 8, [1, 17, 64, 65, 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 1023, 1024, 1025, 31, 47, 900, 2, 3, 700, 333], 1 },
        { 128, 32, 8, [1, 17, 64, 65, 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 1023, 1024, 1025, 31, 47, 900, 2, 3, 700, 333], 6 },
    };

    [GpuTheory]
    [MemberData(nameof(DecodeCases))]
    public void DecodeAttention_RandomCache_MatchesReference(int headDim, int hq, int hkv, int[] cachedLengths, int splits) =>
        CheckAgainstReference(headDim, hq, hkv, cachedLengths.Select(_ => 1).ToArray(), cachedLengths, splits,
            (args, stream) => cuda.Ops.DecodeAttention(args, stream));

    public static TheoryData<int, int, int, int[], int> InKernelCombineCases => new()
    {
        // headDim, Hq, Hkv, cached tokens per sequence (one query token each), splits
        { 128, 16, 8, [200], 4 },                          // Qwen3-0.6B batch 1: 64-key splits, the last one partial
        { 128, 16, 8, [300, 20, 63, 64, 1000], 4 },        // unsplit tokens (one split's worth) beside split ones
        { 128, 32, 8, [2047, 300, 5], 4 },                 // G = 4
        { 64, 8, 1, [129, 1], 3 },                         // G = 8, D = 64
        { 256, 4, 4, [129, 2], 3 },                        // D = 256
        { 128, 32, 8, [1, 17, 64, 65, 127, 128, 129, 255, 256, 257, 500, 511, 512, 513, 1023, 1024, 1025, 31, 47, 900, 2, 3, 700, 333], 6 },
    };

    [GpuTheory]
    [MemberData(nameof(InKernelCombineCases))]
    public void DecodeAttention_SplitsMergedInKernel_MatchReferenceAndCombineKernel(int headDim, int hq, int hkv, int[] cachedLengths, int splits) =>
        CheckAgainstReference(headDim, hq, hkv, cachedLengths.Select(_ => 1).ToArray(), cachedLengths, splits,
            (args, stream) => cuda.Ops.DecodeAttention(args, stream), combineInKernel: true);

    public static TheoryData<int, int, int, int[], int, int> DecodeBlockSizeCases => new()
    {
        // headDim, Hq, Hkv, cached tokens per sequence, splits, block size
        { 128, 32, 8, [700, 40, 9], 1, 8 },                // blocks smaller than a 16-key step
        { 128, 32, 8, [700, 40, 9], 3, 24 },               // a step can straddle two blocks
        { 128, 32, 8, [700, 40, 9], 2, 32 },               // several steps a block
        { 64, 8, 1, [300], 1, 5 },
    };

    [GpuTheory]
    [MemberData(nameof(DecodeBlockSizeCases))]
    public void DecodeAttention_OtherBlockSizes_MatchesReference(int headDim, int hq, int hkv, int[] cachedLengths, int splits, int blockSize) =>
        CheckAgainstReference(headDim, hq, hkv, cachedLengths.Select(_ => 1).ToArray(), cachedLengths, splits,
            (args, stream) => cuda.Ops.DecodeAttention(args, stream), blockSize);

    public static TheoryData<int, int, int, int[], int[]> TensorCoreCases => new()
    {
        // headDim, Hq, Hkv, query tokens per sequence, cached tokens per sequence
        { 128, 16, 8, [1, 7, 300], [0, 20, 0] },           // sequences sharing blocks of 64 rows, a long one over several
        { 128, 16, 8, [64], [0] },                         // exactly one block of rows
        { 128, 32, 8, [130, 1, 1], [37, 500, 0] },         // G = 4, a chunk after a cached prefix, decode rows in the mix
        { 64, 4, 2, [33, 1], [0, 0] },
        { 64, 4, 4, [200], [600] },                        // chunked prefill continuing a long prefix
        { 128, 16, 8, [1000], [0] },                       // many key tiles
        { 128, 16, 8, [100, 37, 200], [0, 0, 0] },         // 128-row blocks spanning two and three sequences, ragged ends
        { 128, 32, 8, [100, 37, 200], [50, 0, 129] },      // the same after cached prefixes, G = 4
        { 64, 8, 2, [150, 1, 90], [65, 300, 0] },          // D = 64: a decode row between two chunks, prefixes
        { 64, 4, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [0, 3, 0, 70, 0, 0, 1, 0, 0, 0, 200, 0, 0, 0, 0, 9] }, // 16 passes in one block
    };

    [GpuTheory]
    [MemberData(nameof(TensorCoreCases))]
    public void TensorCorePrefill_RandomCache_MatchesReference(int headDim, int hq, int hkv, int[] queryLengths, int[] cachedLengths)
    {
        using var tensorCore = TensorCoreAttention.Load(cuda.Device);
        CheckAgainstReference(headDim, hq, hkv, queryLengths, cachedLengths, 1, (args, stream) => tensorCore.Prefill(args, stream));
    }

    public static TheoryData<string, int, int[], int[]> TileVariantCases => new()
    {
        // tiles (FA_WARPS x FA_WARP_ROWS x FA_KEYS), head dim, query tokens per sequence, cached tokens per sequence
        { "4x16x32", 128, [100, 37, 200], [0, 0, 129] },   // one m-tile a warp, 64-row blocks
        { "8x16x64", 128, [100, 37, 200], [0, 0, 129] },   // eight warps of one m-tile
        { "4x32x32", 128, [100, 37, 200], [50, 0, 0] },    // the small-shared-memory fallback
        { "2x16x128", 64, [70, 1, 150], [0, 300, 20] },    // 128-key tiles, 32-row blocks
    };

    [GpuTheory]
    [MemberData(nameof(TileVariantCases))]
    public void TensorCorePrefill_TileVariants_MatchReference(string tiles, int headDim, int[] queryLengths, int[] cachedLengths)
    {
        using var tensorCore = TensorCoreAttention.Load(cuda.Device, tiles: FlashPrefillTiles.Parse(tiles));
        CheckAgainstReference(headDim, 16, 8, queryLengths, cachedLengths, 1, (args, stream) => tensorCore.Prefill(args, stream));
    }

    private void CheckAgainstReference(int headDim, int hq, int hkv, int[] queryLengths, int[] cachedLengths, int splits,
        Action<AttentionArgs, DynamoOrleans.Engine.Backends.Cuda.CudaStream> launch, int blockSize = BlockSize, bool combineInKernel = false)
    {
        var random = new Random(headDim * 31 + hq + splits);
        var numSeqs = queryLengths.Length;
        var contexts = queryLengths.Select((q, s) => q + cachedLengths[s]).ToArray();
        var maxBlocks = contexts.Max(c => (c + blockSize - 1) / blockSize);
        var numBlocks = numSeqs * maxBlocks + 3;
        // Blocks handed out in a shuffled order so that a wrong table lookup cannot pass.
        var order = Enumerable.Range(0, numBlocks).OrderBy(_ => random.Next()).ToArray();
        var tables = new int[numSeqs * maxBlocks];
        for (var i = 0; i < tables.Length; i++)
            tables[i] = order[i];

        var kvWidth = hkv * headDim;
        var (kCache, kF) = Bf16.Random(random, numBlocks * blockSize * kvWidth);
        var (vCache, vF) = Bf16.Random(random, numBlocks * blockSize * kvWidth);
        var tokens = queryLengths.Sum();
        var qkvWidth = (hq + 2 * hkv) * headDim;
        var (qkv, qkvF) = Bf16.Random(random, tokens * qkvWidth, 2f);
        var tokenSeq = new int[tokens];
        var positions = new int[tokens];
        for (int s = 0, t = 0; s < numSeqs; s++)
            for (var i = 0; i < queryLengths[s]; i++, t++)
            {
                tokenSeq[t] = s;
                positions[t] = cachedLengths[s] + i;
            }

        using var dK = cuda.Upload<ushort>(kCache);
        using var dV = cuda.Upload<ushort>(vCache);
        using var dQkv = cuda.Upload<ushort>(qkv);
        using var dSeq = cuda.Upload<int>(tokenSeq);
        using var dPos = cuda.Upload<int>(positions);
        using var dTables = cuda.Upload<int>(tables);
        using var dOut = cuda.Device.Allocate(tokens * hq * headDim * 2);
        using var dMl = cuda.Device.Allocate(tokens * hq * splits * 2 * 4);
        using var dAcc = cuda.Device.Allocate(tokens * hq * splits * headDim * 4);
        dOut.Fill(0xff, cuda.Stream);
        var splitLength = splits == 1 ? int.MaxValue
            : (contexts.Max() + splits * CudaOps.SplitGranularity - 1) / (splits * CudaOps.SplitGranularity) * CudaOps.SplitGranularity;
        var scale = 1f / MathF.Sqrt(headDim);
        var args = new AttentionArgs
        {
            Output = dOut.Pointer, Qkv = dQkv.Pointer, KCache = dK.Pointer, VCache = dV.Pointer,
            TokenSequence = dSeq.Pointer, Positions = dPos.Pointer, BlockTables = dTables.Pointer,
            PartialMl = dMl.Pointer, PartialAcc = dAcc.Pointer,
            Tokens = tokens, MaxBlocksPerSequence = maxBlocks, BlockSize = blockSize,
            NumQHeads = hq, NumKvHeads = hkv, HeadDim = headDim, Scale = scale,
            Splits = splits, SplitLength = splitLength,
        };
        launch(args, cuda.Stream);
        var bits = cuda.Download<ushort>(dOut);
        if (combineInKernel)
        {
            // The last block of each split merges; the counters go back to 0, so a second launch merges again.
            using var counters = cuda.Upload<int>(new int[tokens * hkv]);
            foreach (var round in new[] { "first", "second" })
            {
                dOut.Fill(0xff, cuda.Stream);
                launch(args with { SplitCounters = counters.Pointer }, cuda.Stream);
                Assert.True(bits.AsSpan().SequenceEqual(cuda.Download<ushort>(dOut)), $"{round} in-kernel merge differs from attention_combine's bits");
                Assert.All(cuda.Download<int>(counters), c => Assert.Equal(0, c));
            }
        }
        var output = Bf16.ToFloats(bits);

        var expected = new float[tokens * hq * headDim];
        var g = hq / hkv;
        for (var t = 0; t < tokens; t++)
            for (var h = 0; h < hq; h++)
            {
                var q = qkvF.AsSpan(t * qkvWidth + h * headDim, headDim);
                var ctx = positions[t] + 1;
                var scores = new double[ctx];
                for (var key = 0; key < ctx; key++)
                {
                    var slot = tables[tokenSeq[t] * maxBlocks + key / blockSize] * blockSize + key % blockSize;
                    var k = kF.AsSpan(slot * kvWidth + h / g * headDim, headDim);
                    double dot = 0;
                    for (var d = 0; d < headDim; d++)
                        dot += (double)q[d] * k[d];
                    scores[key] = dot * scale;
                }
                var max = scores.Max();
                var sum = scores.Sum(x => Math.Exp(x - max));
                for (var d = 0; d < headDim; d++)
                {
                    double acc = 0;
                    for (var key = 0; key < ctx; key++)
                    {
                        var slot = tables[tokenSeq[t] * maxBlocks + key / blockSize] * blockSize + key % blockSize;
                        acc += Math.Exp(scores[key] - max) / sum * vF[slot * kvWidth + h / g * headDim + d];
                    }
                    expected[(t * hq + h) * headDim + d] = (float)acc;
                }
            }
        var diff = Bf16.MaxAbsDiff(expected, output);
        Assert.True(diff < 0.01f, $"max abs diff {diff}");
    }

    [Theory]
    [InlineData(1, 8, 4096, 132, 16, 16, 256)]     // one decode sequence, long context: split
    [InlineData(64, 8, 4096, 132, 16, 1, 0)]       // a full decode batch fills the SMs: no split
    [InlineData(1, 8, 300, 132, 16, 5, 64)]        // short context: splits of 64 keys
    [InlineData(1, 8, 256, 132, 16, 1, 0)]         // up to 256 keys: the combine launch would cost more
    [InlineData(1, 8, 64, 132, 16, 1, 0)]          // one granule: nothing to split
    [InlineData(16, 8, 600, 132, 16, 3, 256)]      // 16 sequences × 8 heads leave half the SMs: three splits
    public void ChooseSplits_Shapes_SplitOnlyWhenSmsIdle(int tokens, int kvHeads, int maxContext, int sms, int maxSplits, int splits, int splitLength)
    {
        var chosen = AttentionArgs.ChooseSplits(tokens, kvHeads, maxContext, sms, maxSplits);
        Assert.Equal(splits, chosen.Splits);
        if (splits > 1)
        {
            Assert.Equal(splitLength, chosen.SplitLength);
            Assert.True(chosen.Splits * chosen.SplitLength >= maxContext);
        }
    }

    [Fact]
    public void FromToken_MovesPointersPastTheFirstTokens()
    {
        var whole = new AttentionArgs
        {
            Output = 1_000_000, Qkv = 2_000_000, KCache = 3_000_000, VCache = 4_000_000, TokenSequence = 5_000_000,
            Positions = 6_000_000, BlockTables = 7_000_000, PartialMl = 8_000_000, PartialAcc = 9_000_000,
            Tokens = 100, MaxBlocksPerSequence = 64, BlockSize = 16, NumQHeads = 32, NumKvHeads = 8, HeadDim = 128,
            Scale = 0.088f, Splits = 4, SplitLength = 512,
        };
        var tail = whole.FromToken(30);
        Assert.Equal(70, tail.Tokens);
        Assert.Equal(1_000_000ul + 30 * 32 * 128 * 2, tail.Output);
        Assert.Equal(2_000_000ul + 30 * 48 * 128 * 2, tail.Qkv);
        Assert.Equal(5_000_000ul + 30 * 4, tail.TokenSequence);
        Assert.Equal(6_000_000ul + 30 * 4, tail.Positions);
        // The cache and block tables are indexed by sequence and slot, not by token: unchanged.
        Assert.Equal((whole.KCache, whole.VCache, whole.BlockTables), (tail.KCache, tail.VCache, tail.BlockTables));
        Assert.Equal((1, int.MaxValue), (tail.Splits, tail.SplitLength));
        Assert.Equal(whole, whole.FromToken(0));
        Assert.Equal(0, whole.FromToken(100).Tokens);
        Assert.Throws<ArgumentOutOfRangeException>(() => whole.FromToken(101));
    }
}
