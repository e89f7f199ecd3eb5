using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Tests.Scheduling;

public class SchedulerTests
{
    private const int BlockSize = 4;
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 8 };
    private long _nextId;

    [Fact]
    public void Schedule_LongPrompt_ChunksUnderTokenBudget()
    {
        var (scheduler, batch) = Create(numBlocks: 64, maxBatchTokens: 8);
        var seq = Add(scheduler, 20);

        var chunks = new List<int>();
        while (seq.NumComputedTokens < seq.NumTokens)
        {
            scheduler.Schedule(batch);
            chunks.Add(batch.NumTokens);
            Assert.Equal(seq.NumComputedTokens, batch.Positions[0]);
            scheduler.CompleteStep();
        }

        Assert.Equal([8, 8, 4], chunks);
        Assert.Equal(5, seq.BlockTable.Count);
    }

    [Fact]
    public void Schedule_DecodesAndPrefillChunk_ShareOneStepDecodesFirst()
    {
        var (scheduler, batch) = Create(numBlocks: 64, maxBatchTokens: 6);
        var decoding = Add(scheduler, 3);
        scheduler.Schedule(batch);
        scheduler.CompleteStep();
        decoding.AppendToken(5);
        var prefilling = Add(scheduler, 20);

        var scheduled = scheduler.Schedule(batch);

        Assert.Equal([decoding, prefilling], scheduled);
        Assert.Equal(1, batch.QueryLength(0));
        Assert.Equal(5, batch.QueryLength(1));
    }

    [Fact]
    public void Schedule_MaxSequences_CapsRunning()
    {
        var (scheduler, batch) = Create(numBlocks: 64, maxBatchTokens: 100, maxSequences: 2);
        for (var i = 0; i < 3; i++)
            Add(scheduler, 4);

        var scheduled = scheduler.Schedule(batch);

        Assert.Equal(2, scheduled.Count);
        Assert.Equal(1, scheduler.NumWaiting);
    }

    [Fact]
    public void Schedule_Priority_LowerValueAdmittedFirstThenFcfs()
    {
        var (scheduler, batch) = Create(numBlocks: 64, maxBatchTokens: 100, maxSequences: 2);
        var late = Add(scheduler, 4, priority: 5);
        var urgentFirst = Add(scheduler, 4, priority: -1);
        var urgentSecond = Add(scheduler, 4, priority: -1);

        var scheduled = scheduler.Schedule(batch);

        Assert.Equal([urgentFirst, urgentSecond], scheduled);
        Assert.Equal(SequenceStatus.Waiting, late.Status);
    }

    [Fact]
    public void Schedule_OutOfBlocks_PreemptsLatestAndResumesItLater()
    {
        // 4 blocks of 4: two sequences of 7 tokens fit (2 blocks each) until one crosses into a third block.
        var (scheduler, batch) = Create(numBlocks: 4, maxBatchTokens: 100);
        var first = Add(scheduler, 7);
        var second = Add(scheduler, 7);
        scheduler.Schedule(batch);
        scheduler.CompleteStep();
        first.AppendToken(1);
        second.AppendToken(1);
        scheduler.Schedule(batch);
        scheduler.CompleteStep();
        first.AppendToken(2);
        second.AppendToken(2);

        var scheduled = scheduler.Schedule(batch);

        Assert.Equal([first], scheduled);
        Assert.Equal(SequenceStatus.Waiting, second.Status);
        Assert.Empty(second.BlockTable);
        Assert.Equal(1, second.NumPreemptions);
        Assert.Equal(1, scheduler.NumPreemptions);

        scheduler.CompleteStep();
        scheduler.Finish(first, FinishReason.Stop);
        scheduled = scheduler.Schedule(batch);
        // Resumed with its output so far, its first full block a prefix hit.
        Assert.Equal([second], scheduled);
        Assert.Equal(4, batch.Positions[0]);
        Assert.Equal(5, batch.NumTokens);
    }

    [Fact]
    public void Schedule_OutOfBlocksWithPriorities_PreemptsLeastUrgentFirst()
    {
        var (scheduler, batch) = Create(numBlocks: 6, maxBatchTokens: 100);
        var background = Add(scheduler, 7, priority: 9);
        var urgent = Add(scheduler, 7, priority: 0);
        var normal = Add(scheduler, 7, priority: 5);
        for (var step = 0; step < 2; step++)
        {
            scheduler.Schedule(batch);
            scheduler.CompleteStep();
            foreach (var seq in scheduler.Running)
                seq.AppendToken(step);
        }

        var scheduled = scheduler.Schedule(batch);

        // Each needs a third block at 9 tokens; the least urgent one gives its two back.
        Assert.Equal([urgent, normal], scheduled);
        Assert.Equal(SequenceStatus.Waiting, background.Status);
        Assert.Equal(1, background.NumPreemptions);
    }

    [Fact]
    public void Finish_WaitingOrRunning_FreesEveryBlock()
    {
        var (scheduler, batch) = Create(numBlocks: 16, maxBatchTokens: 6);
        var running = Add(scheduler, 10);
        var waiting = Add(scheduler, 10);
        scheduler.Schedule(batch);

        scheduler.Finish(running, FinishReason.Cancelled);
        scheduler.Finish(waiting, FinishReason.Cancelled);

        Assert.False(scheduler.HasWork);
        Assert.Equal(16, scheduler.Blocks.NumFreeBlocks);
        Assert.Equal(FinishReason.Cancelled, waiting.Finish);
    }

    private static (Scheduler, ForwardBatch) Create(int numBlocks, int maxBatchTokens, int maxSequences = 8)
    {
        var scheduler = new Scheduler(new BlockManager(numBlocks, BlockSize), maxBatchTokens, maxSequences);
        return (scheduler, new ForwardBatch(maxBatchTokens, maxSequences, 64));
    }

    private Sequence Add(Scheduler scheduler, int numTokens, int priority = 0)
    {
        var id = _nextId++;
        var seq = new Sequence(id, $"r{id}", Enumerable.Range(100 + (int)id * 50, numTokens).ToArray(), Greedy, priority);
        scheduler.Add(seq);
        return seq;
    }
}
