using System.Globalization;
using System.Net;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Leases;
using DynamoOrleans.Cluster.Publishing;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// One worker grain's worth of a silo: an engine (CPU, or CUDA on <see cref="SiloHostOptions.Gpu"/>) whose KV events go to the cluster bus, the worker API on
/// Kestrel (HTTP/2 only, as gRPC clients speak it), a lease on its <see cref="WorkerCard"/> and a
/// periodic load snapshot. <see cref="StopAsync"/> leaves gracefully; <see cref="DisposeAsync"/>
/// alone stops at once, as a crash would (open streams break and the gateway migrates them).
/// </summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly RedisCluster _cluster;
    private readonly KvEventPublisher _publisher;
    private readonly EngineClient _engine;
    private readonly WebApplication _app;
    private readonly LeaseKeeper _lease;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loadLoop;
    private readonly Task _filesLoop;
    private readonly ILogger _logger;
    private int _isDisposed;

    private SiloHost(RedisCluster cluster, KvEventPublisher publisher, EngineClient engine, WorkerService service, WebApplication app,
        LeaseKeeper lease, TimeSpan loadInterval, string modelFolder, TimeSpan renewInterval, ILogger logger)
    {
        _cluster = cluster;
        _publisher = publisher;
        _engine = engine;
        Service = service;
        _app = app;
        _lease = lease;
        _logger = logger;
        _loadLoop = PublishLoadAsync(loadInterval, _stopping.Token);
        _filesLoop = KeepModelFilesAsync(modelFolder, renewInterval, _stopping.Token);
    }

    public WorkerCard Card => _lease.Card;

    public WorkerService Service { get; }

    public IEngineClient Engine => _engine;

    public static async Task<SiloHost> StartAsync(SiloHostOptions options, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggers ??= NullLoggerFactory.Instance;
        var id = new WorkerId(options.Node, options.WorkerIndex);
        var cluster = await RedisCluster.ConnectAsync(RedisConnectionOptions.FromEndpoint(options.Redis), options.Cluster, loggers: loggers, cancellationToken: cancellationToken).ConfigureAwait(false);
        KvEventPublisher? publisher = null;
        EngineClient? engine = null;
        WebApplication? app = null;
        try
        {
            publisher = new KvEventPublisher(cluster.Events, id, loggers.CreateLogger<KvEventPublisher>());
            engine = options.Gpu is { } gpu
                ? CudaEngine.Start(options.ModelFolder, options.Engine, options.Cuda with { DeviceOrdinal = gpu }, publisher)
                : CpuEngine.Start(options.ModelFolder, options.Engine, publisher);
            var service = new WorkerService(engine, loggers.CreateLogger<WorkerService>());
            app = await StartServerAsync(options, service, loggers, cancellationToken).ConfigureAwait(false);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var address = CardAddress(bound, options.AdvertiseAddress);
            // Published before the lease: a gateway that sees the card finds the files it needs to preprocess for it.
            var files = ModelFolderFiles.Read(options.ModelFolder, engine.Model.Name);
            await cluster.Files.PublishAsync(files, cancellationToken).ConfigureAwait(false);
            var card = new WorkerCard(id, engine.Model.Name, files.Key.TokenizerDigest, engine.Model.BlockSize,
                engine.Model.MaxContextLength, engine.GetLoad().KvBlocksTotal, options.Role, address);
            var lease = new LeaseKeeper(cluster.Directory, card, options.Cluster, logger: loggers.CreateLogger<LeaseKeeper>());
            await lease.StartAsync(cancellationToken).ConfigureAwait(false);
            return new SiloHost(cluster, publisher, engine, service, app, lease, options.LoadInterval, options.ModelFolder, options.Cluster.RenewInterval,
                loggers.CreateLogger<SiloHost>());
        }
        catch
        {
            if (app is not null) await app.DisposeAsync().ConfigureAwait(false);
            if (engine is not null) await engine.DisposeAsync().ConfigureAwait(false);
            if (publisher is not null) await publisher.DisposeAsync().ConfigureAwait(false);
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The address gateways dial: the one Kestrel bound, with its host replaced by <paramref name="advertiseAddress"/>
    /// when one is given (a silo listening on 0.0.0.0 must name itself as other hosts reach it).
    /// </summary>
    public static string CardAddress(string boundAddress, string? advertiseAddress)
    {
        if (string.IsNullOrEmpty(advertiseAddress)) return boundAddress;
        var uri = new UriBuilder(boundAddress) { Host = advertiseAddress }.Uri;
        return uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>The gateway matches workers on this: the same tokenizer file gives the same token ids.</summary>
    public static string TokenizerDigest(string modelFolder) =>
        ModelFolderFiles.TokenizerDigest(File.ReadAllBytes(Path.Combine(modelFolder, ModelFiles.TokenizerFile)));

    /// <summary>
    /// Leaves gracefully: refuse new requests (the gateway sees the drain in the load and routes
    /// elsewhere), wait for in-flight ones up to <paramref name="timeout"/>, give the lease back, stop.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        Service.Drain();
        using (var wait = new CancellationTokenSource(timeout))
        {
            try
            {
                await Service.WaitForDrainedAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                SiloLog.DrainTimedOut(_logger, Service.NumInFlight, timeout.TotalSeconds);
            }
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Deregisters and stops at once; streams still open break.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _isDisposed, 1) != 0) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loadLoop, _filesLoop).ConfigureAwait(false);
        // Deregister first, so the gateway stops routing here before the connections drop.
        await _lease.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
        await _cluster.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static async Task<WebApplication> StartServerAsync(SiloHostOptions options, WorkerService service, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        var ip = IPAddress.Parse(options.Host);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(ip, options.Port, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapWorkerService(service);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }

    /// <summary>
    /// A Redis that restarts comes back without the model files, and a gateway started after that could not serve
    /// this model: check at the lease's pace (one EXISTS) and publish again when they are gone.
    /// </summary>
    private async Task KeepModelFilesAsync(string modelFolder, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (await _cluster.Files.ContainsAsync(ModelKey.Of(Card), cancellationToken).ConfigureAwait(false)) continue;
                    await _cluster.Files.PublishAsync(ModelFolderFiles.Read(modelFolder, Card.Model), cancellationToken).ConfigureAwait(false);
                    SiloLog.ModelFilesRepublished(_logger, Card.Model);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SiloLog.ModelFilesPublishFailed(_logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PublishLoadAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    await _cluster.Loads.PublishAsync(Card.Id, _engine.GetLoad(), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Redis away: the next tick tries again; the lease keeper reports the outage.
                    SiloLog.LoadPublishFailed(_logger, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }
}

internal static partial class SiloLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timed out with {InFlight} requests in flight after {Seconds} s; stopping anyway")]
    public static partial void DrainTimedOut(ILogger logger, int inFlight, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model files of {Model} were gone from Redis; published them again")]
    public static partial void ModelFilesRepublished(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking or publishing the model files failed: {Reason}")]
    public static partial void ModelFilesPublishFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing load failed: {Reason}")]
    public static partial void LoadPublishFailed(ILogger logger, string reason);
}
