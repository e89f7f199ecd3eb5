using System.Diagnostics;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>
/// Times GPU work as the runner's decode graphs run it: a CUDA graph of many launches, replayed, so that the
/// per-launch host cost (3.4 µs, which graphs remove) does not decide between kernels of a few µs.
/// Must not be called while the stream is capturing.
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
        stream.BeginCapture();
        try
        {
            for (var i = 0; i < launches; i++)
                launch(i);
        }
        catch
        {
            stream.EndCapture().Dispose();
            throw;
        }
        using var graph = stream.EndCapture();
        graph.Launch(stream);
        stream.Synchronize();
        var watch = Stopwatch.StartNew();
        for (var r = 0; r < replays; r++)
            graph.Launch(stream);
        stream.Synchronize();
        return watch.Elapsed.TotalMicroseconds / ((double)replays * launches);
    }
}
