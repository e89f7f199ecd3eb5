namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// Gathers one operation's stores or evictions into a single event and numbers events per engine.
/// With no sink it gathers nothing, so an engine without subscribers pays nothing.
/// </summary>
internal sealed class KvEventBuffer(IKvEventSink? sink)
{
    private readonly List<StoredBlock> _stored = [];
    private readonly List<ulong> _removed = [];
    private ulong? _storedParent;

    public long NextEventId { get; private set; } = 1;

    public void AddStored(ulong? parentHash, StoredBlock block)
    {
        if (sink is null)
            return;
        if (_stored.Count == 0)
            _storedParent = parentHash;
        _stored.Add(block);
    }

    public void FlushStored()
    {
        if (_stored.Count == 0)
            return;
        sink!.Publish(new KvEvent.Stored(NextEventId++, _storedParent, _stored.ToArray()));
        _stored.Clear();
    }

    public void AddRemoved(ulong sequenceHash)
    {
        if (sink is not null)
            _removed.Add(sequenceHash);
    }

    public void FlushRemoved()
    {
        if (_removed.Count == 0)
            return;
        sink!.Publish(new KvEvent.Removed(NextEventId++, _removed.ToArray()));
        _removed.Clear();
    }

    public void PublishCleared()
    {
        if (sink is not null)
            sink.Publish(new KvEvent.Cleared(NextEventId++));
    }
}
