using System.Diagnostics;

namespace DynamoOrleans.Serving.Bench;

/// <summary>One request of an open-loop run: when it was due, when it really started, and what it measured.</summary>
public struct OpenLoopSample
{
    public long Due;
    public long Started;
    public double FirstTokenUs; // from start; NaN when none came
    public double TotalUs; // from start to the end of the response
    public bool Ok;
}

/// <summary>
/// An open-loop generator: request i is due at start + i / rate whether or not earlier ones have
/// finished, so a slow path queues up instead of quietly lowering the rate (no coordinated omission).
/// A dedicated thread wakes about every millisecond and hands each due request to the thread pool.
/// </summary>
public static class OpenLoop
{
    /// <param name="send">Sends request i; returns (first token timestamp or 0, ok). Latencies are measured from the moment it starts.</param>
    public static async Task<OpenLoopSample[]> RunAsync(double rate, TimeSpan duration, Func<int, Task<(long FirstToken, bool Ok)>> send)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var samples = new OpenLoopSample[count];
        var tasks = new Task[count];
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        var generator = new Thread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var due = start + (long)(i * ticksPerRequest);
                while (Stopwatch.GetTimestamp() < due)
                    Thread.Sleep(1);
                samples[i].Due = due;
                var index = i;
                tasks[i] = Task.Run(() => OneAsync(index));
            }
        }) { IsBackground = true, Name = "open-loop", Priority = ThreadPriority.AboveNormal };
        generator.Start();
        await Task.Run(generator.Join).ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return samples;

        async Task OneAsync(int i)
        {
            var began = Stopwatch.GetTimestamp();
            samples[i].Started = began;
            var (first, ok) = await send(i).ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            samples[i].Ok = ok;
            samples[i].TotalUs = Stopwatch.GetElapsedTime(began, end).TotalMicroseconds;
            samples[i].FirstTokenUs = first == 0 ? double.NaN : Stopwatch.GetElapsedTime(began, first).TotalMicroseconds;
        }
    }
}
