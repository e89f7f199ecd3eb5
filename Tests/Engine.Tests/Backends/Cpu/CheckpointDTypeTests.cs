using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;
using DynamoOrleans.Engine.Tests.Models;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>The same weights stored as fp32, fp16 or sharded give the logits the bf16 original gives.</summary>
public class CheckpointDTypeTests
{
    [Theory]
    [InlineData(DType.F32, 1, 1e-5f)]
    [InlineData(DType.F16, 1, 1e-5f)]
    [InlineData(DType.BF16, 3, 0f)]
    [InlineData(DType.F32, 2, 1e-5f)]
    public void Forward_CopyInOtherDTypeOrShards_MatchesBf16Original(DType dtype, int shards, float tolerance)
    {
        using var tmp = new TempDirectory();
        var copy = ModelFolderWriter.Copy(TestData.TinyQwen3, tmp.Sub("copy"), dtype, shards);
        var prompt = PagedPrefillTests.Prompt(40, seed: 11);

        var expected = Logits(TestData.TinyQwen3, prompt);
        var actual = Logits(copy, prompt);

        // bf16 values are exact in fp16 for this model's small weights and in fp32 always.
        Assert.True(RunnerDriver.MaxAbsDiff(expected, actual) <= tolerance);
    }

    [Fact]
    public void Open_ShardedCopy_ListsEveryTensorOnce()
    {
        using var tmp = new TempDirectory();
        var copy = ModelFolderWriter.Copy(TestData.TinyLlama3, tmp.Sub("copy"), DType.BF16, shards: 3);
        using var original = ModelFolder.Open(TestData.TinyLlama3);
        using var sharded = ModelFolder.Open(copy);

        Assert.Equal(3, sharded.Weights.Files.Count);
        Assert.Equal(original.Weights.Names.Order(), sharded.Weights.Names.Order());
        foreach (var name in original.Weights.Names)
            Assert.True(original.Weights.Get(name).Bytes.SequenceEqual(sharded.Weights.Get(name).Bytes), name);
    }

    private static float[] Logits(string dir, int[] prompt)
    {
        using var model = ModelFolder.Open(dir);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        return new RunnerDriver(runner).PrefillAll(prompt, [0, 1, 2]);
    }
}
