using System.Threading.Channels;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Publishing;

/// <summary>
/// The engine's <see cref="IKvEventSink"/> for one worker: <see cref="Publish"/> never blocks the scheduler
/// loop; a background loop sends what piled up as one pipelined batch. A batch that fails is dropped, not
/// retried: the gap in event ids tells every gateway to re-read this worker's index, which is cheaper and more
/// correct than replaying events out of order after an outage.
/// </summary>
public sealed class KvEventPublisher : IKvEventSink, IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly IKvEventBus _bus;
    private readonly WorkerId _worker;
    private readonly ILogger _logger;
    private readonly Channel<KvEvent> _queue = Channel.CreateUnbounded<KvEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _published;
    private long _dropped;

    public KvEventPublisher(IKvEventBus bus, WorkerId worker, ILogger<KvEventPublisher>? logger = null)
    {
        _bus = bus;
        _worker = worker;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _loop = Task.Run(SendLoopAsync);
    }

    /// <summary>Events the bus accepted.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Events lost to a failed batch (each loss shows as a gap in this worker's event ids).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Publish(KvEvent kvEvent)
    {
        if (!_queue.Writer.TryWrite(kvEvent))
            Interlocked.Increment(ref _dropped);
    }

    private async Task SendLoopAsync()
    {
        var batch = new List<KvEvent>(MaxBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var kvEvent))
                batch.Add(kvEvent);
            try
            {
                await _bus.PublishAsync(_worker, batch).ConfigureAwait(false);
                Interlocked.Add(ref _published, batch.Count);
            }
            catch (Exception ex)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                PublisherLog.BatchDropped(_logger, batch.Count, _worker.ToString(), ex.Message);
            }
            batch.Clear();
        }
    }

    /// <summary>Sends what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }
}

internal static partial class PublisherLog
{
    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Dropped {Count} KV events of {Worker}: {Reason}; gateways will see the gap and re-read the index")]
    public static partial void BatchDropped(ILogger logger, int count, string worker, string reason);
}
