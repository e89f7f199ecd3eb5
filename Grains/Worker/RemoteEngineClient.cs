using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Worker;

/// <summary>
/// The gateway's side of a worker: an <see cref="IEngineClient"/> whose engine is a silo away.
/// Generate streams over the worker API; a stream that breaks before its final output throws
/// <see cref="WorkerStreamBrokenException"/>. <see cref="GetLoad"/> never blocks: it returns the last
/// load the worker reported, refreshed in the background.
/// </summary>
public sealed partial class RemoteEngineClient : IEngineClient, IKvIndexSource, IAsyncDisposable
{
    private static readonly string GeneratePath = WorkerMethods.PathOf(WorkerMethods.Generate);

    private readonly GrpcClient _grpc;
    private readonly RemoteEngineClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Task _pollLoop;
    private EngineLoadBox _load;

    private RemoteEngineClient(GrpcClient grpc, ModelCard model, Proto.LoadResponse load, RemoteEngineClientOptions options, ILogger logger)
    {
        _grpc = grpc;
        Model = model;
        _options = options;
        _logger = logger;
        _load = new EngineLoadBox(WorkerProtoMapping.FromProto(load), load.IsDraining);
        _pollLoop = options.LoadPollInterval > TimeSpan.Zero ? PollLoadAsync(_disposeCts.Token) : Task.CompletedTask;
    }

    public ModelCard Model { get; }

    public Uri Address => _grpc.Address;

    /// <summary>Whether the worker said it is draining, as of the last load refresh.</summary>
    public bool IsDraining => Volatile.Read(ref _load).IsDraining;

    /// <summary>Reads the worker's model card and load, then starts polling its load.</summary>
    public static async Task<RemoteEngineClient> ConnectAsync(
        Uri address, RemoteEngineClientOptions? options = null, ILogger<RemoteEngineClient>? logger = null, CancellationToken cancellationToken = default)
    {
        var resolved = options ?? new RemoteEngineClientOptions();
        var grpc = new GrpcClient(address, resolved.Grpc);
        try
        {
            var health = await grpc.UnaryAsync(WorkerMethods.PathOf(WorkerMethods.Health), new Proto.HealthRequest(), Proto.HealthResponse.Parser,
                resolved.ControlCallTimeout, cancellationToken).ConfigureAwait(false);
            var load = await grpc.UnaryAsync(WorkerMethods.PathOf(WorkerMethods.Load), new Proto.LoadRequest(), Proto.LoadResponse.Parser,
                resolved.ControlCallTimeout, cancellationToken).ConfigureAwait(false);
            return new RemoteEngineClient(grpc, WorkerProtoMapping.FromProto(health.Model), load, resolved, logger ?? (ILogger)NullLogger.Instance);
        }
        catch
        {
            grpc.Dispose();
            throw;
        }
    }

    public IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request.RequestId, WorkerProtoMapping.ToProto(request), cancellationToken);
    }

    public EngineLoad GetLoad() => Volatile.Read(ref _load).Load;

    /// <summary>Asks the worker for its load now and caches the answer for <see cref="GetLoad"/>.</summary>
    public async Task<EngineLoad> RefreshLoadAsync(CancellationToken cancellationToken)
    {
        var reply = await ControlAsync(WorkerMethods.Load, new Proto.LoadRequest(), Proto.LoadResponse.Parser, cancellationToken).ConfigureAwait(false);
        var box = new EngineLoadBox(WorkerProtoMapping.FromProto(reply), reply.IsDraining);
        Volatile.Write(ref _load, box);
        return box.Load;
    }

    /// <summary>Ends a request on the worker; its stream closes with a final Cancelled output. False when the worker no longer runs it.</summary>
    public async Task<bool> CancelAsync(string requestId, CancellationToken cancellationToken)
    {
        var reply = await ControlAsync(WorkerMethods.Cancel, new Proto.CancelRequest { RequestId = requestId }, Proto.CancelResponse.Parser, cancellationToken).ConfigureAwait(false);
        return reply.Found;
    }

    /// <summary>Tells the worker to refuse new requests; returns how many it still has in flight.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var reply = await ControlAsync(WorkerMethods.Drain, new Proto.DrainRequest(), Proto.DrainResponse.Parser, cancellationToken).ConfigureAwait(false);
        return reply.NumInFlight;
    }

    public async Task<WorkerHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        var reply = await ControlAsync(WorkerMethods.Health, new Proto.HealthRequest(), Proto.HealthResponse.Parser, cancellationToken).ConfigureAwait(false);
        return new WorkerHealth(reply.Status == Proto.ServingStatus.Draining, reply.NumInFlight, WorkerProtoMapping.FromProto(reply.Model));
    }

    public async ValueTask<KvIndexSnapshot> GetKvIndexAsync(CancellationToken cancellationToken)
    {
        var reply = await ControlAsync(WorkerMethods.KvIndex, new Proto.KvIndexRequest(), Proto.KvIndexResponse.Parser, cancellationToken).ConfigureAwait(false);
        return WorkerProtoMapping.FromProto(reply);
    }

    public async ValueTask DisposeAsync()
    {
        await _disposeCts.CancelAsync().ConfigureAwait(false);
        await _pollLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _disposeCts.Dispose();
        _grpc.Dispose();
    }

    private async IAsyncEnumerable<TokenOutput> StreamAsync(string requestId, Proto.GenerateRequest message, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var call = _grpc.ServerStreaming(GeneratePath, message, Proto.TokenOutput.Parser, _options.GenerateTimeout, cancellationToken);
        var numDelivered = 0;
        var isFinal = false;
        while (true)
        {
            TokenOutput output;
            try
            {
                if (!await call.MoveNextAsync().ConfigureAwait(false))
                    break;
                output = WorkerProtoMapping.FromProto(call.Current);
            }
            catch (GrpcException ex) when (!isFinal)
            {
                throw Broken(requestId, numDelivered, ex);
            }
            // After the final output a failing status (the engine's Error) is rethrown as it is, as the in-process engine does.
            numDelivered++;
            isFinal = output.IsFinal;
            yield return output;
        }
        if (!isFinal)
            throw new WorkerStreamBrokenException(requestId, Address, numDelivered, GrpcStatusCode.Internal, new GrpcException(GrpcStatusCode.Internal, "the stream ended with OK before its final output"));
    }

    private Exception Broken(string requestId, int numDelivered, GrpcException ex)
    {
        if (ex.StatusCode == GrpcStatusCode.InvalidArgument)
            return new ArgumentException(ex.Detail, ex); // The request itself is wrong; migrating it would fail again.
        LogStreamBroken(_logger, requestId, Address, numDelivered, ex.StatusCode, ex.Detail);
        return new WorkerStreamBrokenException(requestId, Address, numDelivered, ex.StatusCode, ex);
    }

    private Task<TResponse> ControlAsync<TRequest, TResponse>(string method, TRequest request, Google.Protobuf.MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TRequest : Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        _grpc.UnaryAsync(WorkerMethods.PathOf(method), request, parser, _options.ControlCallTimeout, cancellationToken);

    private async Task PollLoadAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.LoadPollInterval, _options.TimeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await RefreshLoadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (GrpcException ex)
            {
                // Keep the last known load; the lease, not this poll, decides whether the worker is gone.
                LogLoadPollFailed(_logger, Address, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: the stream from {Worker} broke after {NumDelivered} outputs ({Code}: {Detail})")]
    private static partial void LogStreamBroken(ILogger logger, string requestId, Uri worker, int numDelivered, GrpcStatusCode code, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Load poll of {Worker} failed: {Reason}")]
    private static partial void LogLoadPollFailed(ILogger logger, Uri worker, string reason);

    /// <summary>Load and drain state swapped together as one reference, so readers never see a torn pair.</summary>
    private sealed record EngineLoadBox(EngineLoad Load, bool IsDraining);
}

/// <summary>A worker's answer to Health.</summary>
public sealed record WorkerHealth(bool IsDraining, int NumInFlight, ModelCard Model);
