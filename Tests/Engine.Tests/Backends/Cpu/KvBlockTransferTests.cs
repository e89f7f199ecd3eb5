using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

public class KvBlockTransferTests
{
    [Fact]
    public void ImportKvBlock_IntoAnotherRunner_DecodesAsTheOriginal()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        using var prefill = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        using var decode = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        var prompt = PagedPrefillTests.Prompt(40, seed: 21);
        int[] prefillTable = [6, 2, 5];
        int[] decodeTable = [1, 7, 3];
        new RunnerDriver(prefill).PrefillAll(prompt, prefillTable);

        var image = new float[prefill.KvBlockFloats];
        for (var i = 0; i < prefillTable.Length; i++)
        {
            prefill.ExportKvBlock(prefillTable[i], image);
            decode.ImportKvBlock(decodeTable[i], image);
        }

        var expected = DecodeOne(prefill, prefillTable, cached: 40);
        var actual = DecodeOne(decode, decodeTable, cached: 40);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void CopyKvBlock_SharedPrefixBlock_DecodesAsTheOriginal()
    {
        using var model = ModelFolder.Open(TestData.TinyLlama3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        var prompt = PagedPrefillTests.Prompt(20, seed: 22);
        new RunnerDriver(runner).PrefillAll(prompt, [0, 1]);
        var expected = DecodeOne(runner, [0, 1], cached: 20);

        runner.CopyKvBlock(0, 4);
        runner.CopyKvBlock(1, 5);
        Assert.Equal(expected, DecodeOne(runner, [4, 5], cached: 20));
    }

    [Fact]
    public void ExportKvBlock_WrongSize_Throws()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 2 });
        Assert.Throws<ArgumentException>(() => runner.ExportKvBlock(0, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.ExportKvBlock(2, new float[runner.KvBlockFloats]));
    }

    private static float[] DecodeOne(CpuModelRunner runner, int[] table, int cached)
    {
        var batch = new ForwardBatch(4, 1, table.Length);
        batch.Clear(runner.BlockSize);
        batch.AddSequence([99], cached, table);
        var logits = new float[runner.VocabSize];
        runner.Forward(batch, logits);
        return logits;
    }
}
