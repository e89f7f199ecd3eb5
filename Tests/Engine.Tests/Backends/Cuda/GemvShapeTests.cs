using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>How a GEMV's rows are spread over blocks and warps (gemv.cu's ksplit); pure arithmetic, no GPU needed.</summary>
public sealed class GemvShapeTests
{
    [Theory]
    [InlineData(1024, 3072, 4, 512u)] // Qwen3-0.6B down: three rounds a row, so four warps a group (one idle)
    [InlineData(1024, 2048, 2, 256u)] // Qwen3-0.6B O
    [InlineData(4096, 1024, 1, 512u)] // Qwen3-0.6B QKV: one round a row, nothing to split
    [InlineData(6144, 1024, 1, 768u)] // Qwen3-0.6B gate/up
    [InlineData(4096, 14336, 1, 512u)] // Llama-3.1-8B down: its 512 blocks already fill 132 SMs twice
    [InlineData(151936, 1024, 1, 18992u)] // an LM head
    [InlineData(33, 4096, 4, 17u)]
    public void GemvShape_OnAnH100_SplitsOnlyLayersWithTooFewBlocks(int n, int k, int ksplit, uint blocks)
    {
        var shape = CudaOps.GemvShape(n, k, multiprocessors: 132);
        Assert.Equal((blocks, ksplit), shape);
    }
}
