using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Engine.Tests.Kv;

public class Xxh3Tests
{
    private const ulong Prime32 = 2654435761UL;
    private const ulong Prime64 = 11400714785074694797UL;

    /// <summary>XXH3_64bits_withSeed vectors from xxHash's cli/xsum_sanity_check.c, one pair per length class.</summary>
    public static TheoryData<int, ulong, ulong> SanityVectors => new()
    {
        { 0, 0, 0x2D06800538D394C2UL },
        { 0, Prime64, 0xA8A6B918B2F0364AUL },
        { 1, 0, 0xC44BDFF4074EECDBUL },
        { 1, Prime64, 0x032BE332DD766EF8UL },
        { 6, 0, 0x27B56A84CD2D7325UL },
        { 6, Prime64, 0x84589C116AB59AB9UL },
        { 12, 0, 0xA713DAF0DFBB77E7UL },
        { 12, Prime64, 0xE7303E1B2336DE0EUL },
        { 24, 0, 0xA3FE70BF9D3510EBUL },
        { 24, Prime64, 0x850E80FC35BDD690UL },
        { 48, 0, 0x397DA259ECBA1F11UL },
        { 48, Prime64, 0xADC2CBAA44ACC616UL },
        { 80, 0, 0xBCDEFBBB2C47C90AUL },
        { 80, Prime64, 0xC6DD0CB699532E73UL },
        { 195, 0, 0xCD94217EE362EC3AUL },
        { 195, Prime64, 0xBA68003D370CB3D9UL },
        { 403, 0, 0xCDEB804D65C6DEA4UL },
        { 403, Prime64, 0x6259F6ECFD6443FDUL },
        { 512, 0, 0x617E49599013CB6BUL },
        { 512, Prime64, 0x3CE457DE14C27708UL },
        { 2048, 0, 0xDD59E2C3A5F038E0UL },
        { 2048, Prime64, 0x66F81670669ABABCUL },
        { 2240, 0, 0x6E73A90539CF2948UL },
        { 2240, Prime64, 0x757BA8487D1B5247UL },
        { 2367, 0, 0xCB37AEB9E5D361EDUL },
        { 2367, Prime64, 0xD2DB3415B942B42AUL },
    };

    [Theory]
    [MemberData(nameof(SanityVectors))]
    public void Hash64_SanityBuffer_MatchesReferenceVectors(int length, ulong seed, ulong expected)
    {
        var buffer = SanityBuffer(length);
        Assert.Equal(expected, Xxh3.Hash64(buffer, seed));
    }

    [Fact]
    public void Hash64_EmptyWithDynamoSeed_MatchesPythonXxhash()
    {
        // python3-xxhash 3.2: xxhash.xxh3_64_intdigest(b"", seed=1337)
        Assert.Equal(0xD1F3E77444430AB9UL, Xxh3.Hash64([], 1337));
    }

    [Fact]
    public void Hash64_DoesNotAllocate()
    {
        var buffer = SanityBuffer(2367);
        Xxh3.Hash64(buffer, 1337);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            Xxh3.Hash64(buffer.AsSpan(0, 64 + i * 20), (ulong)i);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    /// <summary>XSUM_fillTestBuffer: the top byte of a 64-bit multiplicative sequence.</summary>
    private static byte[] SanityBuffer(int length)
    {
        var buffer = new byte[length];
        var generator = Prime32;
        for (var i = 0; i < length; i++)
        {
            buffer[i] = (byte)(generator >> 56);
            generator *= Prime64;
        }
        return buffer;
    }
}
