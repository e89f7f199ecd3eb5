using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>The key layout (README.md shows it); one place, so no two classes disagree on a name.</summary>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>SET of worker ids that may hold a lease; an id whose lease key is gone is pruned on read.</summary>
    public string Workers { get; } = prefix + ":workers";

    /// <summary>STREAM of every worker's KV events, fields <c>w</c> (worker id) and <c>e</c> (binary event).</summary>
    public string KvEvents { get; } = prefix + ":kv";

    /// <summary>STRING holding the worker's card as JSON, with the lease TTL (PX).</summary>
    public string Worker(WorkerId id) => $"{prefix}:worker:{id}";

    public string Worker(string id) => $"{prefix}:worker:{id}";

    /// <summary>STRING holding the worker's latest EngineLoad (34 bytes), with the lease TTL.</summary>
    public string Load(WorkerId id) => $"{prefix}:load:{id}";

    /// <summary>HASH of a model's preprocessing files, field = file name, value = the file's bytes; no expiry.</summary>
    public string ModelFiles(ModelKey key) => $"{prefix}:model-files:{key.Model}:{key.TokenizerDigest}";
}
