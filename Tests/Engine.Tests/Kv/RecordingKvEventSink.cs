using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Engine.Tests.Kv;

internal sealed class RecordingKvEventSink : IKvEventSink
{
    public List<KvEvent> Events { get; } = [];

    public void Publish(KvEvent kvEvent) => Events.Add(kvEvent);
}
