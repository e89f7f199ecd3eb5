namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class KvCacheKernelTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuFact]
    public void KvWrite_SlotMapping_WritesKeysAndValuesAndSkipsNegativeSlots()
    {
        var random = new Random(7);
        const int tokens = 4, hq = 4, hkv = 2, headDim = 64, slots = 40;
        var qkvWidth = (hq + 2 * hkv) * headDim;
        var kvWidth = hkv * headDim;
        var (qkv, _) = Bf16.Random(random, tokens * qkvWidth);
        int[] slotMapping = [17, 3, -1, 39];
        using var dQkv = cuda.Upload<ushort>(qkv);
        using var dSlots = cuda.Upload<int>(slotMapping);
        using var dK = cuda.Device.Allocate(slots * kvWidth * 2);
        using var dV = cuda.Device.Allocate(slots * kvWidth * 2);
        dK.Fill(0, cuda.Stream);
        dV.Fill(0, cuda.Stream);
        cuda.Ops.KvWrite(dK.Pointer, dV.Pointer, dQkv.Pointer, dSlots.Pointer, tokens, hq, hkv, headDim, cuda.Stream);
        var k = cuda.Download<ushort>(dK);
        var v = cuda.Download<ushort>(dV);
        for (var t = 0; t < tokens; t++)
        {
            if (slotMapping[t] < 0)
                continue;
            Assert.Equal(qkv.AsSpan(t * qkvWidth + hq * headDim, kvWidth), k.AsSpan(slotMapping[t] * kvWidth, kvWidth));
            Assert.Equal(qkv.AsSpan(t * qkvWidth + (hq + hkv) * headDim, kvWidth), v.AsSpan(slotMapping[t] * kvWidth, kvWidth));
        }
        Assert.Equal(tokens - 1, Enumerable.Range(0, slots).Count(s => k.AsSpan(s * kvWidth, kvWidth).ContainsAnyExcept((ushort)0)));
    }

    [GpuFact]
    public void CopyKvBlocks_Pairs_CopiesBlocksInEveryCache()
    {
        var random = new Random(8);
        const int caches = 4, blocks = 10, blockElements = 16 * 2 * 64;
        const long cacheElements = (long)blocks * blockElements;
        var (data, _) = Bf16.Random(random, (int)(caches * cacheElements));
        int[] pairs = [1, 5, 3, 7];
        using var dCaches = cuda.Upload<ushort>(data);
        using var dPairs = cuda.Upload<int>(pairs);
        cuda.Ops.CopyKvBlocks(dCaches.Pointer, dPairs.Pointer, pairs.Length / 2, caches, cacheElements, blockElements, cuda.Stream);
        var result = cuda.Download<ushort>(dCaches);
        var expected = (ushort[])data.Clone();
        for (var c = 0; c < caches; c++)
            for (var p = 0; p < pairs.Length; p += 2)
                data.AsSpan((int)(c * cacheElements + pairs[p] * blockElements), blockElements)
                    .CopyTo(expected.AsSpan((int)(c * cacheElements + pairs[p + 1] * blockElements)));
        Assert.Equal(expected, result);
    }
}
