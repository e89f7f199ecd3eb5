using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Engine.Tests.Kv;

public class BlockHasherTests
{
    [Fact]
    public void Compute_TwoBlocks_MatchesDynamoStyleReference()
    {
        // Reference from python3-xxhash: local = xxh3_64(pack('<16I', ...), seed=1337),
        // seq[1] = xxh3_64(pack('<QQ', seq[0], local[1]), seed=1337).
        var tokens = Enumerable.Range(1, 32).ToArray();
        var sequence = new ulong[2];
        var local = new ulong[2];

        var numBlocks = BlockHasher.Compute(tokens, 16, sequence, local);

        Assert.Equal(2, numBlocks);
        Assert.Equal(0xEA06FC71A5EE6E88UL, local[0]);
        Assert.Equal(0x1FBF39BD106BE0B5UL, local[1]);
        Assert.Equal(local[0], sequence[0]);
        Assert.Equal(0xAD01835A37DD294CUL, sequence[1]);
    }

    [Fact]
    public void LocalHash_SixtyFourTokenBlock_UsesLongPath()
    {
        var tokens = Enumerable.Range(0, 64).Select(i => i * 7919 % 151936).ToArray();
        Assert.Equal(0xADF350F47BC93CEAUL, BlockHasher.LocalHash(tokens));
    }

    [Fact]
    public void Compute_PartialTrailingBlock_IsNotHashed()
    {
        var sequence = new ulong[3];
        Assert.Equal(2, BlockHasher.Compute(Enumerable.Range(0, 47).ToArray(), 16, sequence));
        Assert.Equal(0UL, sequence[2]);
    }

    [Fact]
    public void Compute_SharedPrefix_SharesLeadingHashesOnly()
    {
        var a = Enumerable.Range(0, 64).ToArray();
        var b = a.ToArray();
        b[40] = 999;
        var ha = new ulong[4];
        var hb = new ulong[4];
        BlockHasher.Compute(a, 16, ha);
        BlockHasher.Compute(b, 16, hb);

        Assert.Equal(ha[..2], hb[..2]);
        Assert.NotEqual(ha[2], hb[2]);
        // The chain carries the difference into every later block although block 3's tokens match.
        Assert.NotEqual(ha[3], hb[3]);
    }

    [Fact]
    public void Compute_SameBlockAtDifferentPositions_SameLocalDifferentSequenceHash()
    {
        var block = Enumerable.Range(100, 16).ToArray();
        var tokens = block.Concat(block).ToArray();
        var sequence = new ulong[2];
        var local = new ulong[2];
        BlockHasher.Compute(tokens, 16, sequence, local);

        Assert.Equal(local[0], local[1]);
        Assert.NotEqual(sequence[0], sequence[1]);
        Assert.Equal(BlockHasher.Chain(sequence[0], local[1]), sequence[1]);
    }

    [Fact]
    public void Compute_DoesNotAllocate()
    {
        var tokens = Enumerable.Range(0, 256).ToArray();
        Span<ulong> sequence = stackalloc ulong[16];
        Span<ulong> local = stackalloc ulong[16];
        BlockHasher.Compute(tokens, 16, sequence, local);
        var before = GC.GetAllocatedBytesForCurrentThread();
        BlockHasher.Compute(tokens, 16, sequence, local);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
