using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.InMemory;

/// <summary>
/// The KV event bus of embedded mode and unit tests: one ordered log, positions (0, n), trimmed to about
/// <see cref="ClusterOptions.KvStreamMaxLength"/> (at most an eighth over). Subscribers wait on a signal that every publish
/// replaces, so no subscriber misses a wake-up.
/// </summary>
public sealed class InMemoryKvEventBus : IKvEventBus
{
    private readonly Lock _lock = new();
    private readonly List<KvEventEnvelope> _log = [];
    private readonly int _maxLength;
    private ulong _lastSequence;
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InMemoryKvEventBus(ClusterOptions options)
    {
        options.Validate();
        _maxLength = options.KvStreamMaxLength;
    }

    public ValueTask PublishAsync(WorkerId worker, IReadOnlyList<KvEvent> events, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (events.Count == 0)
            return ValueTask.CompletedTask;
        TaskCompletionSource published;
        lock (_lock)
        {
            foreach (var kvEvent in events)
            {
                _log.Add(new KvEventEnvelope(worker, kvEvent, new KvStreamPosition(0, ++_lastSequence)));
            }
            // Trim in chunks, like Redis's MAXLEN ~, so a full log does not shift on every publish.
            if (_log.Count > _maxLength + _maxLength / 8)
                _log.RemoveRange(0, _log.Count - _maxLength);
            published = _published;
            _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        published.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<KvEventEnvelope> SubscribeAsync(KvStreamPosition after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var batch = new List<KvEventEnvelope>();
        lock (_lock)
        {
            if (after == KvStreamPosition.End)
                after = new KvStreamPosition(0, _lastSequence);
        }
        while (true)
        {
            Task wake;
            lock (_lock)
            {
                // Sequences are contiguous, so the first unseen entry is found by arithmetic, not a scan.
                if (_log.Count > 0)
                {
                    var first = _log[0].Position.Sequence;
                    var start = after.Sequence < first ? 0 : (int)Math.Min(after.Sequence - first + 1, (ulong)_log.Count);
                    for (var i = start; i < _log.Count && batch.Count < 4096; i++)
                        batch.Add(_log[i]);
                }
                wake = batch.Count == 0 ? _published.Task : Task.CompletedTask;
            }
            foreach (var entry in batch)
            {
                yield return entry;
                after = entry.Position;
            }
            if (batch.Count == 0)
            {
                try
                {
                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
            batch.Clear();
        }
    }
}
