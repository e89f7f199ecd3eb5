using System.Collections.Immutable;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Grains.Requests;

/// <summary>
/// The gateway's engine in cluster mode (the Request grain's logic): routes each request to one of
/// its workers with a <see cref="KvRouter"/>, streams the worker's outputs back, and when a stream
/// breaks before its final output migrates the request to another worker with the tokens already
/// delivered appended to the prompt, so the caller sees one continuous stream.
/// Workers join and leave at runtime (<see cref="AddWorker"/>, <see cref="RemoveWorker"/>); the worker
/// table is an immutable snapshot swapped under a lock, so requests read it without locking.
/// </summary>
public sealed partial class RoutedEngineClient : IEngineClient
{
    private readonly Lock _writeGate = new();
    private readonly RoutedEngineClientOptions _options;
    private readonly ILogger _logger;
    private ImmutableDictionary<WorkerId, RoutedWorker> _workers = ImmutableDictionary<WorkerId, RoutedWorker>.Empty;
    private WorkerCard? _pinnedCard;
    private ModelCard? _model;
    private long _numMigrations;
    private long _numMigrationFailures;

    public RoutedEngineClient(RoutedEngineClientOptions? options = null, ILogger<RoutedEngineClient>? logger = null)
    {
        _options = options ?? new RoutedEngineClientOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Router = KvRouter.Create(_options.Router, _options.TimeProvider);
    }

    /// <summary>The router; in kv mode the caller feeds its <see cref="KvRouter.Index"/> from the KV event bus.</summary>
    public KvRouter Router { get; }

    /// <summary>The model card the first registered worker reported; every later worker must match it.</summary>
    public ModelCard Model => Volatile.Read(ref _model) ?? throw new InvalidOperationException("no worker has been registered yet, so the model is unknown");

    /// <summary>Requests moved to another worker after a broken stream, since start (a Prometheus counter).</summary>
    public long NumMigrations => Interlocked.Read(ref _numMigrations);

    /// <summary>Requests that failed because the migration limit was reached or no worker was left to migrate to.</summary>
    public long NumMigrationFailures => Interlocked.Read(ref _numMigrationFailures);

    public int NumWorkers => Volatile.Read(ref _workers).Count;

    /// <summary>Raised on the request's thread each time a request moves; keep handlers short.</summary>
    public event Action<RequestMigration>? Migrated;

    /// <summary>
    /// Registers a worker (or replaces the client of one with the same id). Its block size must be the
    /// router's; the first worker pins the model name and tokenizer digest; a worker that differs is refused with
    /// <see cref="IncompatibleWorkerException"/>.
    /// </summary>
    public void AddWorker(WorkerCard card, IEngineClient client)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(client);
        if (card.Role != WorkerRole.Aggregated)
            throw new IncompatibleWorkerException(card.Id, "role", card.Role.ToString(), nameof(WorkerRole.Aggregated), "the only role this gateway routes");
        if (client.Model.BlockSize != card.BlockSize)
            throw new IncompatibleWorkerException(card.Id, "card's block size", Text(card.BlockSize), Text(client.Model.BlockSize), "its engine's");
        // Every worker is checked against the router's block size (the gateway's --block-size), not the first
        // worker's: prefix hashes are computed by the gateway with its own.
        if (card.BlockSize != Router.BlockSize)
            throw new IncompatibleWorkerException(card.Id, "block size", Text(card.BlockSize), Text(Router.BlockSize), "the gateway's --block-size");
        lock (_writeGate)
        {
            var pinned = _pinnedCard;
            if (pinned is not null)
                CheckMatches(pinned, card);
            Router.AddWorker(card);
            _workers = _workers.SetItem(card.Id, new RoutedWorker(card, client));
            if (pinned is null)
            {
                _pinnedCard = card;
                Volatile.Write(ref _model, client.Model);
            }
        }
        LogWorkerAdded(_logger, card.Id, card.Address);
    }

    /// <summary>Stops routing to a worker and drops its blocks from the index; requests already streaming from it continue.</summary>
    public bool RemoveWorker(WorkerId worker)
    {
        bool known;
        lock (_writeGate)
        {
            known = _workers.ContainsKey(worker);
            _workers = _workers.Remove(worker);
        }
        Router.RemoveWorker(worker);
        if (known)
            LogWorkerRemoved(_logger, worker);
        return known;
    }

    public IReadOnlyCollection<WorkerCard> GetWorkers() => [.. Volatile.Read(ref _workers).Values.Select(w => w.Card)];

    /// <summary>The sum over the workers; the prefix hit rate is their mean.</summary>
    public EngineLoad GetLoad()
    {
        var workers = Volatile.Read(ref _workers);
        int running = 0, waiting = 0, used = 0, total = 0, prefill = 0, decode = 0;
        var hitRate = 0.0;
        foreach (var worker in workers.Values)
        {
            var load = worker.Client.GetLoad();
            running += load.NumRunning;
            waiting += load.NumWaiting;
            used += load.KvBlocksUsed;
            total += load.KvBlocksTotal;
            prefill += load.ActivePrefillTokens;
            decode += load.ActiveDecodeBlocks;
            hitRate += load.PrefixHitRate;
        }
        return new EngineLoad(running, waiting, used, total, workers.Count == 0 ? 0 : hitRate / workers.Count, prefill, decode);
    }

    private static void CheckMatches(WorkerCard pinned, WorkerCard card)
    {
        if (!string.Equals(card.Model, pinned.Model, StringComparison.Ordinal))
            throw new IncompatibleWorkerException(card.Id, "model", card.Model, pinned.Model, $"the model of the first worker registered ({pinned.Id})");
        if (!string.Equals(card.TokenizerDigest, pinned.TokenizerDigest, StringComparison.OrdinalIgnoreCase))
            throw new IncompatibleWorkerException(card.Id, "tokenizer digest", card.TokenizerDigest, pinned.TokenizerDigest,
                $"that of the first worker registered for model '{pinned.Model}' ({pinned.Id})");
    }

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} at {Address} joined the routed set")]
    private static partial void LogWorkerAdded(ILogger logger, WorkerId worker, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} left the routed set")]
    private static partial void LogWorkerRemoved(ILogger logger, WorkerId worker);

    /// <summary>A registered worker: its card (for the router) and the client that streams from it.</summary>
    private sealed record RoutedWorker(WorkerCard Card, IEngineClient Client);
}
