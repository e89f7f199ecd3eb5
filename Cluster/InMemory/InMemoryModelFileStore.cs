using System.Collections.Concurrent;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.InMemory;

/// <summary>Model files in a dictionary (embedded mode, tests); a publish swaps the whole entry, as the Redis script does.</summary>
public sealed class InMemoryModelFileStore : IModelFileStore
{
    private readonly ConcurrentDictionary<ModelKey, ModelFiles> _entries = new();

    public ValueTask PublishAsync(ModelFiles files, CancellationToken cancellationToken = default)
    {
        ModelFileNames.CheckAll(files);
        cancellationToken.ThrowIfCancellationRequested();
        // A copy, so a caller reusing its buffers cannot change what readers get.
        var copy = new Dictionary<string, ReadOnlyMemory<byte>>(files.Files.Count, StringComparer.Ordinal);
        foreach (var (name, bytes) in files.Files) copy[name] = bytes.ToArray();
        _entries[files.Key] = files with { Files = copy };
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> ContainsAsync(ModelKey key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_entries.ContainsKey(key));

    public ValueTask<ModelFiles?> FetchAsync(ModelKey key, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_entries.TryGetValue(key, out var files) ? files : null);

    /// <summary>Forgets everything, as a Redis restart does (tests).</summary>
    public void Clear() => _entries.Clear();
}
