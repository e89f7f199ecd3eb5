using System.Collections.Concurrent;
using System.Diagnostics;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing.Index;
using DynamoOrleans.Routing.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// The gateway process over a Redis cluster: follows the directory (a worker that joins gets a
/// <see cref="RemoteEngineClient"/> in its model's <see cref="RoutedEngineClient"/>, one that leaves is
/// removed), feeds each model's KV index from the event bus, and serves the OpenAI API. Without a model folder
/// the models are the ones the live workers bring (<see cref="ServedModelSet"/>): the first card of a model
/// makes the gateway fetch that model's tokenizer and chat template from Redis, which the silos publish. With
/// one (<c>--model-dir</c>) it serves that model only, as before. Workers receive token ids.
/// </summary>
public sealed class ClusterGatewayHost : IAsyncDisposable
{
    private readonly RedisCluster _cluster;
    private readonly RemoteEngineClientOptions _workerOptions;
    private readonly ConcurrentDictionary<WorkerId, RemoteEngineClient> _clients = new();
    // Workers whose index must be re-read from a full dump before their next event is applied.
    private readonly ConcurrentQueue<WorkerId> _needsSnapshot = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstWorker = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private readonly DepartureGrace _grace;
    private readonly ServedModelSet _models;
    private readonly ClusterServedModels _served;
    private readonly ClusterGatewayHostOptions _options;
    private readonly ILoggerFactory _loggers;
    // Fetched model files are written here to be loaded with the loaders --model-dir uses; removed on dispose.
    private readonly Lazy<string> _filesRoot = new(() => Directory.CreateTempSubdirectory("dynamo-gateway-models-").FullName);
    private Task _watchLoop = Task.CompletedTask;
    private Task _eventLoop = Task.CompletedTask;
    private WebApplication? _app;

    private ClusterGatewayHost(RedisCluster cluster, ClusterGatewayHostOptions options, ModelPreprocessor? fixedPreprocessor, ILoggerFactory loggers)
    {
        _cluster = cluster;
        _options = options;
        _loggers = loggers;
        _workerOptions = options.Worker;
        _logger = loggers.CreateLogger<ClusterGatewayHost>();
        _grace = new DepartureGrace(options.Cluster.LeaseTtl, probeTimeout: TimeSpan.FromSeconds(1));
        if (fixedPreprocessor is not null)
        {
            var engine = NewEngine();
            _models = ServedModelSet.Fixed(engine);
            _served = new ClusterServedModels(_models, new SingleServedModel(options.Gateway, engine, fixedPreprocessor));
        }
        else
        {
            _models = ServedModelSet.Discovering(NewEngine);
            _served = new ClusterServedModels(_models, fixedModel: null);
        }
    }

    /// <summary>The models served and their workers.</summary>
    public ServedModelSet Models => _models;

    /// <summary>What the API resolves requests with (/v1/models lists its live models).</summary>
    public IServedModels Served => _served;

    /// <summary>The engine of the one model served: the fixed one, or the only one discovered; use <see cref="Models"/> when there are several.</summary>
    public RoutedEngineClient Engine => _models.FixedModel?.Engine
        ?? (_models.Models.Count == 1 ? _models.Models.First().Engine
            : throw new InvalidOperationException($"the gateway serves {_models.Models.Count} models; pick one's engine from Models"));

    /// <summary>Workers routed to now, over every model.</summary>
    public int NumWorkers => _models.NumWorkers;

    public WebApplication App => _app ?? throw new InvalidOperationException("not started");

    public Uri BaseAddress => GatewayHost.BaseAddress(App);

    // Its log is the operator's view of membership and migrations (workers joining, leaving, streams moved).
    private RoutedEngineClient NewEngine() => new(_options.Routing, _loggers.CreateLogger<RoutedEngineClient>());

    public static async Task<ClusterGatewayHost> StartAsync(ClusterGatewayHostOptions options, ILoggerFactory? loggers = null, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Gateway.Validate();
        options.Routing.Validate();
        loggers ??= NullLoggerFactory.Instance;
        var preprocessor = options.ModelFolder is { } folder ? ModelPreprocessor.FromDirectory(folder) : null;
        var cluster = await RedisCluster.ConnectAsync(RedisConnectionOptions.FromEndpoint(options.Redis), options.Cluster, loggers: loggers, cancellationToken: cancellationToken).ConfigureAwait(false);
        var host = new ClusterGatewayHost(cluster, options, preprocessor, loggers);
        try
        {
            // Subscribe before the first join is handled, so no event after a dump is missed.
            host._eventLoop = host.FollowEventsAsync(host._stopping.Token);
            host._watchLoop = host.WatchAsync(host._stopping.Token);
            // A fixed model is served once a worker joined (it brings the card); a discovered one once its files are loaded too.
            await host._firstWorker.Task.WaitAsync(options.FirstWorkerTimeout, cancellationToken).ConfigureAwait(false);
            host._app = await GatewayHost.CreateAsync(options.Gateway, host._served, logging, cancellationToken).ConfigureAwait(false);
            host.ExportMetrics(host._app.Services.GetRequiredService<GatewayMetrics>());
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void ExportMetrics(GatewayMetrics metrics)
    {
        var models = _models;
        metrics.AddGauge("dynamo_frontend_workers", "Workers the gateway routes to.", () => models.NumWorkers);
        metrics.AddGauge("dynamo_frontend_models", "Models with a routable worker and loaded preprocessing files.", () => _served.List().Count);
        metrics.AddGauge("dynamo_frontend_refused_workers", "Workers refused for a block size, tokenizer or model that does not fit.", () => models.Refused.Count);
        metrics.AddCounter("dynamo_frontend_migrations_total", "Streams moved to another worker after their worker failed.", () => models.NumMigrations);
        metrics.AddCounter("dynamo_frontend_migration_failures_total", "Requests failed because the migration limit was reached or no worker was left.", () => models.NumMigrationFailures);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in _cluster.Directory.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (change.Kind)
                {
                    case MembershipChangeKind.Joined:
                    case MembershipChangeKind.Updated:
                        await AddAsync(change.Card, cancellationToken).ConfigureAwait(false);
                        break;
                    case MembershipChangeKind.Left:
                        await OnLeftAsync(change.Card.Id, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task AddAsync(WorkerCard card, CancellationToken cancellationToken)
    {
        _grace.Joined(card.Id);
        if (card.Role != WorkerRole.Aggregated || !Uri.TryCreate(card.Address, UriKind.Absolute, out var address))
        {
            ClusterGatewayLog.WorkerSkipped(_logger, card.Id.ToString(), "not an aggregated worker with an http address");
            return;
        }
        RemoteEngineClient client;
        try
        {
            // A worker back at the same address (its lease renewed after a Redis restart, or a card update) keeps its
            // connection, so the streams it serves go on; its index is re-read, as events may have been lost meanwhile.
            client = _clients.TryGetValue(card.Id, out var current) && current.Address == address
                ? current
                : await RemoteEngineClient.ConnectAsync(address, _workerOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreachable or gone already: the directory reports it again if it stays.
            ClusterGatewayLog.WorkerSkipped(_logger, card.Id.ToString(), e.Message);
            return;
        }
        var join = _models.Join(card, client);
        if (join.IsRefused)
        {
            ClusterGatewayLog.WorkerSkipped(_logger, card.Id.ToString(), join.Refusal!);
            if (_clients.TryGetValue(card.Id, out var kept) && kept == client)
                await RemoveAsync(card.Id).ConfigureAwait(false);
            else
                await client.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (_clients.TryGetValue(card.Id, out var old) && old != client)
            await old.DisposeAsync().ConfigureAwait(false);
        _clients[card.Id] = client;
        _needsSnapshot.Enqueue(card.Id);
        var model = join.Model!;
        if (join.NeedsFiles)
            _ = LoadFilesAsync(model, _stopping.Token);
        else if (model.IsFixed || model.Served is not null)
            _firstWorker.TrySetResult();
    }

    /// <summary>
    /// Fetches a discovered model's files from Redis and builds its preprocessor, retrying while the model is
    /// current: its silos publish the files before their lease, but a Redis that restarted has them back only
    /// after a silo's next check.
    /// </summary>
    private async Task LoadFilesAsync(ServedModelEntry model, CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromMilliseconds(200);
        try
        {
            while (_models.IsCurrent(model))
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    var files = await _cluster.Files.FetchAsync(model.Key, cancellationToken).ConfigureAwait(false);
                    if (files is null)
                    {
                        model.MarkLoadFailed("its files are not in Redis yet (its silos publish them when they register)");
                        ClusterGatewayLog.ModelFilesMissing(_logger, model.Key.ToString(), retry.TotalSeconds);
                    }
                    else
                    {
                        model.MarkReady(Load(model, files));
                        ClusterGatewayLog.ModelReady(_logger, model.Key.Model, model.Key.TokenizerDigest, files.NumBytes, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        _firstWorker.TrySetResult();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    model.MarkLoadFailed(e.Message);
                    ClusterGatewayLog.ModelFilesFailed(_logger, model.Key.ToString(), e.Message);
                }
                await Task.Delay(retry, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private ServedModel Load(ServedModelEntry model, ModelFiles files)
    {
        var folder = ModelFolderFiles.WriteTo(files, _filesRoot.Value);
        try
        {
            // The loaders read everything at once, so the folder is not needed after.
            var preprocessor = ModelPreprocessor.FromDirectory(folder);
            var defaults = SamplingDefaults.From(GenerationConfig.Load(folder));
            return new ServedModel(model.Key.Model, model.Engine, preprocessor, _options.Gateway.WithDefaultSampling(defaults));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The directory lost the worker's lease: remove it, unless it still serves (see <see cref="DepartureGrace"/>).</summary>
    private async Task OnLeftAsync(WorkerId worker, CancellationToken cancellationToken)
    {
        if (!_clients.TryGetValue(worker, out var client) || !await _grace.IsStillServingAsync(client, cancellationToken).ConfigureAwait(false))
        {
            await RemoveAsync(worker).ConfigureAwait(false);
            return;
        }
        ClusterGatewayLog.LeaseLostButServing(_logger, worker.ToString(), _grace.LeaseTtl.TotalSeconds);
        _ = RemoveUnlessBackAsync(worker, _grace.JoinCount(worker), cancellationToken);
    }

    private async Task RemoveUnlessBackAsync(WorkerId worker, long joinsBefore, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_grace.LeaseTtl, cancellationToken).ConfigureAwait(false);
            if (_grace.JoinCount(worker) != joinsBefore) return;
            ClusterGatewayLog.LeaseNotBack(_logger, worker.ToString(), _grace.LeaseTtl.TotalSeconds);
            await RemoveAsync(worker).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RemoveAsync(WorkerId worker)
    {
        _models.Leave(worker);
        if (_clients.TryRemove(worker, out var client))
            await client.DisposeAsync().ConfigureAwait(false);
    }

    private async Task FollowEventsAsync(CancellationToken cancellationToken)
    {
        // Only the kv mode keeps an index fed by events; the predicted one learns from routing.
        if (_options.Routing.Router.Mode != RoutingPolicyNames.Kv) return;
        try
        {
            await foreach (var envelope in _cluster.Events.SubscribeAsync(KvStreamPosition.End, cancellationToken).ConfigureAwait(false))
            {
                while (_needsSnapshot.TryDequeue(out var joined))
                    await ReplaceFromDumpAsync(joined, cancellationToken).ConfigureAwait(false);
                // An event from a worker not (or no longer) routed would bring it back into an index.
                if (!_clients.ContainsKey(envelope.Worker) || IndexOf(envelope.Worker) is not { } index) continue;
                if (index.Apply(envelope.Worker, envelope.Event).IsGap)
                    await ReplaceFromDumpAsync(envelope.Worker, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The KV index of the worker's model: each model routes over its own.</summary>
    private KvIndex? IndexOf(WorkerId worker) => _models.ModelOf(worker)?.Engine.Router.Index as KvIndex;

    private async Task ReplaceFromDumpAsync(WorkerId worker, CancellationToken cancellationToken)
    {
        if (!_clients.TryGetValue(worker, out var client) || IndexOf(worker) is not { } index) return;
        try
        {
            var snapshot = await client.GetKvIndexAsync(cancellationToken).ConfigureAwait(false);
            var hashes = new ulong[snapshot.Blocks.Count];
            for (var i = 0; i < hashes.Length; i++) hashes[i] = snapshot.Blocks[i].SequenceHash;
            index.ReplaceWorker(worker, hashes, snapshot.EventId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Routing still works with a stale index (a worse guess, not a wrong answer); the next gap retries.
            ClusterGatewayLog.DumpFailed(_logger, worker.ToString(), e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_watchLoop, _eventLoop).ConfigureAwait(false);
        foreach (var client in _clients.Values) await client.DisposeAsync().ConfigureAwait(false);
        _clients.Clear();
        await _cluster.DisposeAsync().ConfigureAwait(false);
        if (_filesRoot.IsValueCreated)
        {
            try
            {
                Directory.Delete(_filesRoot.Value, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        _stopping.Dispose();
    }

    /// <summary>Runs until the app stops (Ctrl+C, SIGTERM) or the token fires.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await App.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}

internal static partial class ClusterGatewayLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker} not added: {Reason}")]
    public static partial void WorkerSkipped(ILogger logger, string worker, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker}'s lease is gone but it still answers; it stays routed for {Seconds} s for its lease to come back (Redis restarted?)")]
    public static partial void LeaseLostButServing(ILogger logger, string worker, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Worker}'s lease did not come back within {Seconds} s; removing it")]
    public static partial void LeaseNotBack(ILogger logger, string worker, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} ready: tokenizer {Digest} and chat template loaded from Redis ({Bytes} bytes in {Milliseconds:0} ms)")]
    public static partial void ModelReady(ILogger logger, string model, string digest, long bytes, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: its files are not in Redis yet; retrying in {Seconds} s")]
    public static partial void ModelFilesMissing(ILogger logger, string model, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: loading its tokenizer and chat template failed: {Reason}")]
    public static partial void ModelFilesFailed(ILogger logger, string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading worker {Worker}'s KV index failed: {Reason}")]
    public static partial void DumpFailed(ILogger logger, string worker, string reason);
}
