using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

public class AllocationTests(ITestOutputHelper output)
{
    /// <summary>
    /// Activations, KV and scratch are preallocated; what a warm step still allocates on the calling
    /// thread is Parallel.For's own bookkeeping (a few hundred bytes per parallel kernel), never buffers.
    /// </summary>
    [Fact]
    public void Forward_WarmDecodeStep_AllocatesNoBuffers()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 16 }, maxBatchTokens: 64, maxSequences: 4);
        var batch = new ForwardBatch(64, 4, 16);
        var logits = new float[4 * runner.VocabSize];
        int[] table = [3, 7, 1];
        batch.Clear(runner.BlockSize);
        batch.AddSequence(PagedPrefillTests.Prompt(30, seed: 5), 0, table);
        runner.Forward(batch, logits);
        for (var i = 0; i < 3; i++)
            Step(runner, batch, logits, table, 30 + i);

        var before = GC.GetAllocatedBytesForCurrentThread();
        const int steps = 10;
        for (var i = 0; i < steps; i++)
            Step(runner, batch, logits, table, 33 + i);
        var perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / steps;
        output.WriteLine($"allocated per decode step: {perStep} bytes");

        Assert.True(perStep < 4096, $"{perStep} bytes per step");
    }

    private static void Step(CpuModelRunner runner, ForwardBatch batch, float[] logits, int[] table, int cached)
    {
        batch.Clear(runner.BlockSize);
        batch.AddSequence([17], cached, table);
        runner.Forward(batch, logits);
    }
}
