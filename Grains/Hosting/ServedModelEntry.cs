using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// One model of a <see cref="ServedModelSet"/>: the key its first worker brought, the engine that routes among
/// its workers only (its own router and KV index), and, once its files are loaded, what requests to it use.
/// </summary>
public sealed class ServedModelEntry
{
    private ServedModel? _served;
    private string? _loadError;

    internal ServedModelEntry(ModelKey key, RoutedEngineClient engine, bool isFixed)
    {
        Key = key;
        Engine = engine;
        IsFixed = isFixed;
    }

    /// <summary>Model name and tokenizer digest; a fixed model's (<c>--model-dir</c>) is empty until its first worker joins.</summary>
    public ModelKey Key { get; }

    public RoutedEngineClient Engine { get; }

    /// <summary>The gateway's own model (<c>--model-dir</c>): every worker joins it, and it never needs files.</summary>
    public bool IsFixed { get; }

    public int NumWorkers => Engine.NumWorkers;

    /// <summary>Tokenizer, template and sampling defaults, or null while the model's files are still loading.</summary>
    public ServedModel? Served => Volatile.Read(ref _served);

    /// <summary>Why the last load of the files failed (they are retried), or null.</summary>
    public string? LoadError => Volatile.Read(ref _loadError);

    public ServedModelState State => NumWorkers == 0 ? ServedModelState.NoWorkers
        : Served is not null ? ServedModelState.Ready
        : LoadError is not null ? ServedModelState.FilesFailed
        : ServedModelState.Loading;

    internal void MarkReady(ServedModel served)
    {
        Volatile.Write(ref _loadError, null);
        Volatile.Write(ref _served, served);
    }

    internal void MarkLoadFailed(string reason) => Volatile.Write(ref _loadError, reason);
}

/// <summary>What a request naming the model gets: Ready serves, Loading and FilesFailed answer 503, NoWorkers 404.</summary>
public enum ServedModelState
{
    Loading,
    Ready,
    FilesFailed,
    NoWorkers,
}
