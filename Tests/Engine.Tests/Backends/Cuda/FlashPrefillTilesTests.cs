using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>The tile shapes flash_prefill compiles with and the launch figures derived from them; no GPU needed.</summary>
public sealed class FlashPrefillTilesTests
{
    [Theory]
    [InlineData("4x32x64", 128, 128, 128u, 104_448)]
    [InlineData("4x16x32", 64, 64, 128u, 27_648)]
    [InlineData("8x16x64", 128, 128, 256u, 104_448)]
    public void Parse_ValidShape_DerivesRowsThreadsAndSharedBytes(string text, int headDim, int rows, uint threads, int sharedBytes)
    {
        var tiles = FlashPrefillTiles.Parse(text);
        Assert.Equal(rows, tiles.RowsPerBlock);
        Assert.Equal(threads, tiles.Threads);
        Assert.Equal(sharedBytes, tiles.SharedBytes(headDim));
        Assert.Equal(text, tiles.ToString());
    }

    [Theory]
    [InlineData("4x24x64")]   // not one or two m-tiles
    [InlineData("4x32x40")]   // not a multiple of 16 keys
    [InlineData("1x16x64")]   // 16 rows: not a whole ballot word
    public void Parse_ShapeTheKernelCannotCompile_Throws(string text) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FlashPrefillTiles.Parse(text));
}
