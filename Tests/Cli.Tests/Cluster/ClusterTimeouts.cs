namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// Deadlines for a loaded two-core machine where several builds run beside the tests: generous, because each is
/// the limit of a wait-until loop that normally ends in a fraction of it, never a sleep.
/// </summary>
internal static class ClusterTimeouts
{
    /// <summary>A dotnet process from start to its "serving" line (JIT, model load, Redis registration).</summary>
    public static readonly TimeSpan ProcessStart = TimeSpan.FromSeconds(120);

    /// <summary>SIGTERM to exit: a drain of at most the silo's --drain-timeout, then deregistration.</summary>
    public static readonly TimeSpan ProcessStop = TimeSpan.FromSeconds(60);

    /// <summary>A membership change reaching a gateway: lease TTL 10 s plus a watch interval, with room to spare.</summary>
    public static readonly TimeSpan Membership = TimeSpan.FromSeconds(30);

    /// <summary>One small control call (load, KV index, /metrics).</summary>
    public static readonly TimeSpan Call = TimeSpan.FromSeconds(15);

    /// <summary>One chat completion of a few hundred tokens on the demo model.</summary>
    public static readonly TimeSpan Request = TimeSpan.FromSeconds(120);

    /// <summary>Polls until the condition holds; returns how long it took, or fails naming what it waited for.</summary>
    public static async Task<TimeSpan> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            await Task.Delay(100);
        }
        return clock.Elapsed;
    }
}
