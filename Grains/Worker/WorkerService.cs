using System.Collections.Concurrent;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Worker;

/// <summary>
/// Serves one engine as the worker API (<c>dynamo.worker.v1.Worker</c>); a silo maps it with
/// <see cref="WorkerEndpointRouteBuilderExtensions.MapWorkerService"/>. A client that goes away
/// cancels its request in the engine (its RST_STREAM fires the call's token); after
/// <see cref="Drain"/> new requests are refused with UNAVAILABLE while those in flight run to their end.
/// </summary>
public sealed partial class WorkerService
{
    public const string ServiceName = "dynamo.worker.v1.Worker";

    private readonly IEngineClient _engine;
    private readonly IKvIndexSource? _kvIndex;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, InFlightRequest> _inFlight = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _numInFlight;
    private int _isDraining;

    /// <param name="kvIndex">Answers KvIndex; defaults to the engine itself when it can dump its cache (the in-process <see cref="EngineClient"/> can).</param>
    public WorkerService(IEngineClient engine, ILogger<WorkerService>? logger = null, IKvIndexSource? kvIndex = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _kvIndex = kvIndex ?? engine as IKvIndexSource;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public IEngineClient Engine => _engine;

    public bool IsDraining => Volatile.Read(ref _isDraining) != 0;

    public int NumInFlight => Volatile.Read(ref _numInFlight);

    /// <summary>Refuses new work from now on. In-flight streams continue; <see cref="WaitForDrainedAsync"/> says when they are done.</summary>
    public void Drain()
    {
        if (Interlocked.Exchange(ref _isDraining, 1) != 0)
            return;
        LogDraining(_logger, NumInFlight);
        if (Volatile.Read(ref _numInFlight) == 0)
            _drained.TrySetResult();
    }

    /// <summary>Completes once <see cref="Drain"/> was called and the last in-flight stream ended.</summary>
    public Task WaitForDrainedAsync(CancellationToken cancellationToken) => _drained.Task.WaitAsync(cancellationToken);

    internal async Task GenerateAsync(Proto.GenerateRequest message, ServerStreamWriter<Proto.TokenOutput> writer, ServerCallContext context)
    {
        var request = WorkerProtoMapping.FromProto(message);
        using var inFlight = new InFlightRequest(context.CancellationToken);
        // Counted before the drain check, so a Drain that sees zero in flight cannot miss a request it did not refuse.
        Interlocked.Increment(ref _numInFlight);
        try
        {
            if (IsDraining)
            {
                LogRefused(_logger, request.RequestId);
                throw new GrpcException(GrpcStatusCode.Unavailable, "the worker is draining");
            }
            if (!_inFlight.TryAdd(request.RequestId, inFlight))
                throw new GrpcException(GrpcStatusCode.AlreadyExists, $"request '{request.RequestId}' is already running on this worker");
            try
            {
                await StreamAsync(request, inFlight, writer, context).ConfigureAwait(false);
            }
            finally
            {
                _inFlight.TryRemove(new KeyValuePair<string, InFlightRequest>(request.RequestId, inFlight));
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _numInFlight) == 0 && IsDraining)
                _drained.TrySetResult();
        }
    }

    internal Task<Proto.CancelResponse> CancelAsync(Proto.CancelRequest message, ServerCallContext context)
    {
        var found = _inFlight.TryGetValue(message.RequestId, out var inFlight);
        if (found)
            inFlight!.CancelByRpc();
        return Task.FromResult(new Proto.CancelResponse { Found = found });
    }

    internal Task<Proto.HealthResponse> HealthAsync(Proto.HealthRequest message, ServerCallContext context) =>
        Task.FromResult(new Proto.HealthResponse
        {
            Status = IsDraining ? Proto.ServingStatus.Draining : Proto.ServingStatus.Serving,
            Model = WorkerProtoMapping.ToProto(_engine.Model),
            NumInFlight = NumInFlight,
        });

    internal Task<Proto.DrainResponse> DrainAsync(Proto.DrainRequest message, ServerCallContext context)
    {
        Drain();
        return Task.FromResult(new Proto.DrainResponse { NumInFlight = NumInFlight });
    }

    internal Task<Proto.LoadResponse> LoadAsync(Proto.LoadRequest message, ServerCallContext context) =>
        Task.FromResult(WorkerProtoMapping.ToProto(_engine.GetLoad(), IsDraining));

    internal async Task<Proto.KvIndexResponse> KvIndexAsync(Proto.KvIndexRequest message, ServerCallContext context)
    {
        var source = _kvIndex ?? throw new GrpcException(GrpcStatusCode.Unimplemented, "this worker's engine cannot dump its KV index");
        var snapshot = await source.GetKvIndexAsync(context.CancellationToken).ConfigureAwait(false);
        return WorkerProtoMapping.ToProto(snapshot);
    }

    private async Task StreamAsync(GenerateRequest request, InFlightRequest inFlight, ServerStreamWriter<Proto.TokenOutput> writer, ServerCallContext context)
    {
        // One message object for the whole stream: each token overwrites it and is serialized straight into the response pipe.
        var frame = new Proto.TokenOutput();
        var outputs = _engine.GenerateAsync(request, inFlight.Token);
        try
        {
            await foreach (var output in outputs.ConfigureAwait(false))
            {
                WorkerProtoMapping.CopyTo(output, frame);
                await writer.WriteAsync(frame).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (inFlight.IsCancelledByRpc && !context.CancellationToken.IsCancellationRequested)
        {
            // Cancelled through the API, not by the client going away: end the stream as the engine ends a request it cut short.
            WorkerProtoMapping.CopyTo(new TokenOutput(-1, FinishReason.Cancelled), frame);
            await writer.WriteAsync(frame).ConfigureAwait(false);
        }
        if (context.CancellationToken.IsCancellationRequested)
            LogClientGone(_logger, request.RequestId, writer.NumWritten);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: refusing new requests, {NumInFlight} in flight")]
    private static partial void LogDraining(ILogger logger, int numInFlight);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused request {RequestId}: draining")]
    private static partial void LogRefused(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId}: the client went away after {NumWritten} outputs")]
    private static partial void LogClientGone(ILogger logger, string requestId, int numWritten);

    /// <summary>A running Generate call, cancellable by its client (disconnect, deadline) or by the Cancel method.</summary>
    private sealed class InFlightRequest(CancellationToken callToken) : IDisposable
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        private volatile bool _isCancelledByRpc;

        public CancellationToken Token => _cts.Token;

        public bool IsCancelledByRpc => _isCancelledByRpc;

        public void CancelByRpc()
        {
            _isCancelledByRpc = true;
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended meanwhile; nothing left to cancel.
            }
        }

        public void Dispose() => _cts.Dispose();
    }
}
