using System.Diagnostics;

namespace DynamoOrleans.Cluster.Tests.Contracts;

/// <summary>
/// How a contract test lets time pass: the in-memory target moves a manual clock, the Redis target waits for
/// real (Redis expires keys by its own clock). Conditions are polled with a real deadline, never a fixed sleep.
/// </summary>
public abstract class ContractClock
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public abstract Task ElapseAsync(TimeSpan by);

    /// <summary>Lets time pass in <paramref name="step"/>s until <paramref name="condition"/> holds.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan step, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Deadline)
                throw new TimeoutException($"{what} did not happen within {Deadline.TotalSeconds} s");
            await ElapseAsync(step);
        }
    }

    /// <summary>The next item, letting time pass in <paramref name="step"/>s while waiting for it.</summary>
    public async Task<T> NextAsync<T>(IAsyncEnumerator<T> items, TimeSpan step)
    {
        var move = items.MoveNextAsync().AsTask();
        var clock = Stopwatch.StartNew();
        while (!move.IsCompleted)
        {
            if (clock.Elapsed > Deadline)
                throw new TimeoutException($"no item within {Deadline.TotalSeconds} s");
            await ElapseAsync(step);
            await Task.WhenAny(move, Task.Delay(5));
        }
        Assert.True(await move, "the sequence ended");
        return items.Current;
    }
}

public sealed class ManualContractClock(Fixtures.ManualTimeProvider time) : ContractClock
{
    // Timer continuations (a lease renewal, a watch poll) may run on the thread pool; a short real pause lets
    // them finish before the clock moves again, so the manual clock never outruns the code it drives.
    public override async Task ElapseAsync(TimeSpan by)
    {
        time.Advance(by);
        await Task.Delay(5);
    }
}

public sealed class RealContractClock : ContractClock
{
    public override Task ElapseAsync(TimeSpan by) => Task.Delay(by);
}
