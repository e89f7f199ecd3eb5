using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>
/// One hash per <see cref="ModelKey"/>, a field per file. A publish replaces the hash in one script, so a reader
/// never sees half of one; a fetch is one HMGET with tokenizer.json first, because the RESP parser re-reads a
/// partial reply from its start and a large item first costs no copies while the rest arrives.
/// </summary>
public sealed class RedisModelFileStore : IModelFileStore
{
    private const string ReplaceScript = "redis.call('DEL', KEYS[1]) return redis.call('HSET', KEYS[1], unpack(ARGV))";

    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;

    public RedisModelFileStore(RedisConnection redis, ClusterOptions options)
    {
        options.Validate();
        _redis = redis;
        _keys = new RedisKeys(options.KeyPrefix);
    }

    public async ValueTask PublishAsync(ModelFiles files, CancellationToken cancellationToken = default)
    {
        ModelFileNames.CheckAll(files);
        var args = new RespArg[4 + 2 * files.Files.Count];
        args[0] = "EVAL";
        args[1] = ReplaceScript;
        args[2] = 1;
        args[3] = _keys.ModelFiles(files.Key);
        var i = 4;
        foreach (var (name, bytes) in files.Files)
        {
            args[i++] = name;
            args[i++] = bytes;
        }
        await _redis.ExecuteAsync(args, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> ContainsAsync(ModelKey key, CancellationToken cancellationToken = default) =>
        (await _redis.ExecuteAsync(["EXISTS", _keys.ModelFiles(key)], cancellationToken).ConfigureAwait(false)).AsInt64() == 1;

    public async ValueTask<ModelFiles?> FetchAsync(ModelKey key, CancellationToken cancellationToken = default)
    {
        var names = ModelFiles.Names;
        var args = new RespArg[2 + names.Count];
        args[0] = "HMGET";
        args[1] = _keys.ModelFiles(key);
        for (var i = 0; i < names.Count; i++) args[2 + i] = names[i];
        var values = (await _redis.ExecuteAsync(args, cancellationToken).ConfigureAwait(false)).AsArray();
        var files = new Dictionary<string, ReadOnlyMemory<byte>>(names.Count, StringComparer.Ordinal);
        for (var i = 0; i < values.Length && i < names.Count; i++)
            if (!values[i].IsNull) files[names[i]] = values[i].AsBytes();
        // No tokenizer.json means no entry (HMGET on a missing key answers all nils).
        return files.ContainsKey(ModelFiles.TokenizerFile) ? new ModelFiles(key, files) : null;
    }
}
