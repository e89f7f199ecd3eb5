using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>
/// The decode attention kernel doing the step's q/k norm, RoPE and KV store in its prologue (as the runner's pure decode
/// steps run it), on the narrow and wide kernels, with and without the first key tiles loaded before the wait, against
/// qk_norm_rope followed by the kernel without a prologue. The caches start random, so a warp that preloaded the slot of
/// the step's own key holds a stale key there unless it patches the stored one in.
/// </summary>
public sealed class DecodeRopeAttentionTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    private const int BlockSize = 16;

    public static TheoryData<int, int, int, int[], int, bool> Cases => new()
    {
        // headDim, Hq, Hkv, cached tokens per sequence (one query token each), splits, Qwen3's q/k norms
        { 128, 16, 8, [100], 1, true },                   // batch 1: the own key in the wide kernel's warp 3 (keys 96..127)
        { 128, 16, 8, [40, 5, 255], 1, true },            // own keys at a warp's tile start, mid-tile, the round's last key
        { 128, 16, 8, [256, 300, 0], 1, true },           // past the wide round: the own key in a later round, loaded after the wait
        { 128, 32, 8, [200, 1000], 4, false },            // splits (Llama: no q/k norm); the own key in the last split's first tiles
        { 64, 8, 4, [77, 511, 3], 1, true },              // D = 64: four steps a wide warp
        { 256, 16, 2, [129, 17], 1, true },               // D = 256, G = 8
        { 128, 16, 8, [130, 17, 64, 65, 127, 128, 129, 250, 31, 47, 2, 3, 90, 33, 200, 16, 18], 1, true }, // 136 blocks: narrow
    };

    [GpuTheory]
    [MemberData(nameof(Cases))]
    public void PrologueAttention_AllKernelForms_MatchQkNormRopeThenAttention(int headDim, int hq, int hkv, int[] cachedLengths, int splits, bool qkNorm)
    {
        var random = new Random(headDim + hq + cachedLengths.Length);
        var tokens = cachedLengths.Length;
        var maxBlocks = cachedLengths.Max(c => c / BlockSize + 1);
        var numBlocks = tokens * maxBlocks + 2;
        var order = Enumerable.Range(0, numBlocks).OrderBy(_ => random.Next()).ToArray();
        var tables = new int[tokens * maxBlocks];
        for (var i = 0; i < tables.Length; i++)
            tables[i] = order[i];
        var kvWidth = hkv * headDim;
        var (kCache, _) = Bf16.Random(random, numBlocks * BlockSize * kvWidth);
        var (vCache, _) = Bf16.Random(random, numBlocks * BlockSize * kvWidth);
        var (qkv, _) = Bf16.Random(random, tokens * (hq + 2 * hkv) * headDim, 2f);
        var positions = cachedLengths;
        var slots = positions.Select((p, t) => tables[t * maxBlocks + p / BlockSize] * BlockSize + p % BlockSize).ToArray();
        var invFreq = Enumerable.Range(0, headDim / 2).Select(i => 1f / MathF.Pow(1e6f, 2f * i / headDim)).ToArray();
        var (qNorm, _) = Bf16.Random(random, headDim);
        var (kNorm, _) = Bf16.Random(random, headDim);
        var contexts = positions.Max() + 1;
        var splitLength = splits == 1 ? int.MaxValue
            : (contexts + splits * CudaOps.SplitGranularity - 1) / (splits * CudaOps.SplitGranularity) * CudaOps.SplitGranularity;

        using var dSeq = cuda.Upload<int>(Enumerable.Range(0, tokens).ToArray());
        using var dPos = cuda.Upload<int>(positions);
        using var dTables = cuda.Upload<int>(tables);
        using var dSlots = cuda.Upload<int>(slots);
        using var dInv = cuda.Upload<float>(invFreq);
        using var dQn = cuda.Upload<ushort>(qNorm);
        using var dKn = cuda.Upload<ushort>(kNorm);
        using var dMl = cuda.Device.Allocate(tokens * hq * splits * 2 * 4);
        using var dAcc = cuda.Device.Allocate(tokens * hq * splits * headDim * 4);
        ulong qn = qkNorm ? dQn.Pointer : 0, kn = qkNorm ? dKn.Pointer : 0;

        (ushort[] Out, ushort[] K, ushort[] V) Run(CudaOps ops, bool prologue)
        {
            using var dQkv = cuda.Upload<ushort>(qkv);
            using var dK = cuda.Upload<ushort>(kCache);
            using var dV = cuda.Upload<ushort>(vCache);
            using var dOut = cuda.Device.Allocate(tokens * hq * headDim * 2);
            dOut.Fill(0xff, cuda.Stream);
            if (!prologue)
                ops.QkNormRope(dQkv.Pointer, dPos.Pointer, dInv.Pointer, qn, kn, tokens, hq, hkv, headDim, 1e-6f, cuda.Stream, dK.Pointer, dV.Pointer, dSlots.Pointer);
            ops.DecodeAttention(new AttentionArgs
            {
                Output = dOut.Pointer, Qkv = dQkv.Pointer, KCache = dK.Pointer, VCache = dV.Pointer,
                TokenSequence = dSeq.Pointer, Positions = dPos.Pointer, BlockTables = dTables.Pointer,
                PartialMl = dMl.Pointer, PartialAcc = dAcc.Pointer,
                Tokens = tokens, MaxBlocksPerSequence = maxBlocks, BlockSize = BlockSize,
                NumQHeads = hq, NumKvHeads = hkv, HeadDim = headDim, Scale = 1f / MathF.Sqrt(headDim),
                Splits = splits, SplitLength = splitLength,
                Rope = prologue ? new DecodeRope(dInv.Pointer, qn, kn, dSlots.Pointer, 1e-6f) : null,
            }, cuda.Stream);
            return (cuda.Download<ushort>(dOut), cuda.Download<ushort>(dK), cuda.Download<ushort>(dV));
        }

        var expected = Run(cuda.Ops, prologue: false);
        foreach (var (wide, preload) in new[] { (true, true), (false, true), (true, false), (false, false) })
        {
            var ops = new CudaOps(cuda.Module, wideDecodeAttention: wide, preloadDecodeKv: preload);
            var got = Run(ops, prologue: true);
            var form = $"wide {wide}, preload {preload}";
            // The prologue's norm is a warp sum where qk_norm_rope's is a block sum: a key or query may round to the
            // neighbouring bf16, which moves the output by far less than a wrong or stale key would.
            Assert.True(Bf16.MaxAbsDiff(Bf16.ToFloats(expected.K), Bf16.ToFloats(got.K)) < 0.02f, $"{form}: stored keys differ");
            Assert.Equal(expected.V, got.V);
            var diff = Bf16.MaxAbsDiff(Bf16.ToFloats(expected.Out), Bf16.ToFloats(got.Out));
            Assert.True(diff < 0.02f, $"{form}: max abs diff {diff}");
        }
        Assert.True(cuda.Ops.UsesWideDecodeAttention(1, hkv, 1) == cuda.Device.MultiprocessorCount > hkv);
    }
}
