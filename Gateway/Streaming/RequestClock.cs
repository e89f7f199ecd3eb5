using DynamoOrleans.Gateway.Metrics;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>A request's start time; records time to first token once, and the duration at the end.</summary>
public sealed class RequestClock(GatewayMetrics metrics, TimeProvider time)
{
    private readonly long _start = time.GetTimestamp();
    private int _sawFirst;

    public bool SawFirstToken => Volatile.Read(ref _sawFirst) != 0;

    public void OnToken(long now)
    {
        if (_sawFirst != 0 || Interlocked.Exchange(ref _sawFirst, 1) != 0) return;
        metrics.TimeToFirstToken.Observe(time.GetElapsedTime(_start, now).TotalSeconds);
        metrics.RequestDequeued();
    }

    public double ElapsedSeconds => time.GetElapsedTime(_start).TotalSeconds;
}
