using System.Diagnostics;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>
/// Times GPU work as the runner's decode graphs run it: a CUDA graph of many launches, replayed, so that the
/// per-launch host cost (3.4 µs, which graphs remove) does not decide between kernels of a few µs.
/// Must not be called while the stream is capturing. A capture that another thread invalidates is tried again; after
/// three, the launches are timed eagerly instead.
/// </summary>
public static class GraphTimer
{
    /// <summary>Mean µs per launch: two eager warm-up calls, then a graph of <paramref name="launches"/> calls (given their index) replayed <paramref name="replays"/> times.</summary>
    public static double MeanMicroseconds(CudaStream stream, Action<int> launch, int launches, int replays = 2)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(launch);
        if (stream.IsCapturing)
            throw new InvalidOperationException("cannot time work while the stream is capturing a graph");
        launch(0);
        launch(1);
        stream.Synchronize();
        for (var attempt = 0; attempt < CaptureAttempts; attempt++)
        {
            if (!stream.TryCapture(() => { for (var i = 0; i < launches; i++) launch(i); }, out var graph))
                continue;
            using (graph)
            {
                graph.Launch(stream);
                stream.Synchronize();
                var watch = Stopwatch.StartNew();
                for (var r = 0; r < replays; r++)
                    graph.Launch(stream);
                stream.Synchronize();
                return watch.Elapsed.TotalMicroseconds / ((double)replays * launches);
            }
        }
        // Every capture was invalidated from another thread: eager launches, whose host cost is in the figure.
        var eager = Stopwatch.StartNew();
        for (var r = 0; r < replays; r++)
            for (var i = 0; i < launches; i++)
                launch(i);
        stream.Synchronize();
        return eager.Elapsed.TotalMicroseconds / ((double)replays * launches);
    }

    private const int CaptureAttempts = 3;
}
