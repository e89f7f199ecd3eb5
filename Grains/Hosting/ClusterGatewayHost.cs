using System.Collections.Concurrent;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing.Index;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// The gateway process over a Redis cluster: follows the directory (a worker that joins gets a
/// <see cref="RemoteEngineClient"/> in the <see cref="RoutedEngineClient"/>, one that leaves is
/// removed), feeds the router's KV index from the event bus, and serves the OpenAI API with the
/// preprocessor from the gateway's own model folder (workers receive token ids).
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
    private Task _watchLoop = Task.CompletedTask;
    private Task _eventLoop = Task.CompletedTask;
    private WebApplication? _app;

    private ClusterGatewayHost(RedisCluster cluster, ClusterGatewayHostOptions options, ILoggerFactory loggers)
    {
        _cluster = cluster;
        _workerOptions = options.Worker;
        _logger = loggers.CreateLogger<ClusterGatewayHost>();
        _grace = new DepartureGrace(options.Cluster.LeaseTtl, probeTimeout: TimeSpan.FromSeconds(1));
        // Its log is the operator's view of membership and migrations (workers joining, leaving, streams moved).
        Engine = new RoutedEngineClient(options.Routing, loggers.CreateLogger<RoutedEngineClient>());
    }

    public RoutedEngineClient Engine { get; }

    public WebApplication App => _app ?? throw new InvalidOperationException("not started");

    public Uri BaseAddress => GatewayHost.BaseAddress(App);

    public static async Task<ClusterGatewayHost> StartAsync(ClusterGatewayHostOptions options, ILoggerFactory? loggers = null, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Gateway.Validate();
        options.Routing.Validate();
        loggers ??= NullLoggerFactory.Instance;
        var preprocessor = ModelPreprocessor.FromDirectory(options.ModelFolder);
        var cluster = await RedisCluster.ConnectAsync(RedisConnectionOptions.FromEndpoint(options.Redis), options.Cluster, loggers: loggers, cancellationToken: cancellationToken).ConfigureAwait(false);
        var host = new ClusterGatewayHost(cluster, options, loggers);
        try
        {
            // Subscribe before the first join is handled, so no event after a dump is missed.
            host._eventLoop = host.FollowEventsAsync(host._stopping.Token);
            host._watchLoop = host.WatchAsync(host._stopping.Token);
            await host._firstWorker.Task.WaitAsync(options.FirstWorkerTimeout, cancellationToken).ConfigureAwait(false);
            host._app = await GatewayHost.CreateAsync(options.Gateway, host.Engine, preprocessor, logging, cancellationToken).ConfigureAwait(false);
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
        var engine = Engine;
        metrics.AddGauge("dynamo_frontend_workers", "Workers the gateway routes to.", () => engine.NumWorkers);
        metrics.AddCounter("dynamo_frontend_migrations_total", "Streams moved to another worker after their worker failed.", () => engine.NumMigrations);
        metrics.AddCounter("dynamo_frontend_migration_failures_total", "Requests failed because the migration limit was reached or no worker was left.", () => engine.NumMigrationFailures);
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
        try
        {
            Engine.AddWorker(card, client);
        }
        catch (IncompatibleWorkerException e)
        {
            ClusterGatewayLog.WorkerSkipped(_logger, card.Id.ToString(), e.Message);
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
        _firstWorker.TrySetResult();
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
        Engine.RemoveWorker(worker);
        if (_clients.TryRemove(worker, out var client))
            await client.DisposeAsync().ConfigureAwait(false);
    }

    private async Task FollowEventsAsync(CancellationToken cancellationToken)
    {
        // Only the kv mode keeps an index fed by events; the predicted one learns from routing.
        if (Engine.Router.Index is not KvIndex index) return;
        try
        {
            await foreach (var envelope in _cluster.Events.SubscribeAsync(KvStreamPosition.End, cancellationToken).ConfigureAwait(false))
            {
                while (_needsSnapshot.TryDequeue(out var joined))
                    await ReplaceFromDumpAsync(index, joined, cancellationToken).ConfigureAwait(false);
                // An event from a worker not (or no longer) in the set would bring it back into the index.
                if (!_clients.ContainsKey(envelope.Worker)) continue;
                if (index.Apply(envelope.Worker, envelope.Event).IsGap)
                    await ReplaceFromDumpAsync(index, envelope.Worker, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReplaceFromDumpAsync(KvIndex index, WorkerId worker, CancellationToken cancellationToken)
    {
        if (!_clients.TryGetValue(worker, out var client)) return;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading worker {Worker}'s KV index failed: {Reason}")]
    public static partial void DumpFailed(ILogger logger, string worker, string reason);
}
