using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Transport;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Grains.Requests;

/// <summary>One request's life: route, stream, detect a broken stream, migrate, give the router its load back.</summary>
public sealed partial class RoutedEngineClient
{
    /// <summary>A worker removed between reading the table and routing; routing again settles it, so a few tries suffice.</summary>
    private const int MaxRouteTries = 4;

    /// <summary>
    /// Streams the request's outputs from a routed worker. A stream that breaks before its final
    /// output moves to another worker (prompt + tokens delivered so far, max and min tokens reduced),
    /// at most <see cref="RoutedEngineClientOptions.MigrationLimit"/> times; the caller sees one
    /// stream whose <see cref="TokenOutput.CachedPromptTokens"/> is the first worker's.
    /// Throws <see cref="NoWorkerAvailableException"/> when no worker can take it and
    /// <see cref="MigrationLimitExceededException"/> when it breaks once too often.
    /// </summary>
    public IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return StreamAsync(request, cancellationToken);
    }

    private async IAsyncEnumerable<TokenOutput> StreamAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var delivered = new List<int>();
        int? cachedPromptTokens = null;
        Exception? lastFailure = null;
        for (var migrations = 0; ; migrations++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = migrations == 0 ? request : Continuation(request, delivered, migrations);
            var (decision, worker) = Route(attempt, lastFailure);
            var numFromWorker = 0;
            var sawFinal = false;
            Exception? broken = null;
            var stream = worker.Client.GenerateAsync(attempt, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    try
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                            break;
                    }
                    catch (Exception ex) when (!sawFinal && IsBroken(ex, numFromWorker, cancellationToken))
                    {
                        broken = ex;
                        break;
                    }
                    var output = stream.Current;
                    if (numFromWorker++ == 0)
                        Router.MarkPrefillDone(decision);
                    if (sawFinal)
                        continue; // Nothing follows a final output; the loop only waits for the engine's exception after an Error.
                    cachedPromptTokens ??= output.CachedPromptTokens;
                    sawFinal = output.IsFinal;
                    delivered.Add(output.TokenId);
                    yield return output with { CachedPromptTokens = cachedPromptTokens.Value };
                }
            }
            finally
            {
                // Disposing cancels the worker's stream when the caller stopped early or cancelled.
                await stream.DisposeAsync().ConfigureAwait(false);
                Router.Release(decision);
            }
            if (sawFinal)
                yield break;

            broken ??= new InvalidOperationException($"the stream of request '{attempt.RequestId}' from worker {worker.Card.Id} ended before its final output");
            Router.MarkFailed(worker.Card.Id);
            if (migrations == _options.MigrationLimit)
            {
                Interlocked.Increment(ref _numMigrationFailures);
                LogMigrationLimitReached(_logger, request.RequestId, _options.MigrationLimit, delivered.Count);
                throw new MigrationLimitExceededException(request.RequestId, _options.MigrationLimit, delivered.Count, broken);
            }
            Interlocked.Increment(ref _numMigrations);
            LogMigrating(_logger, request.RequestId, worker.Card.Id, delivered.Count, migrations + 1, broken.Message);
            Migrated?.Invoke(new RequestMigration(request.RequestId, worker.Card.Id, migrations + 1, delivered.Count, broken.Message));
            lastFailure = broken;
        }
    }

    /// <summary>
    /// The rest of a request: the delivered tokens become prompt, so the next worker continues exactly
    /// where the stream broke. The sampling parameters stay as they are but for the token budget.
    /// </summary>
    private static GenerateRequest Continuation(GenerateRequest request, List<int> delivered, int migration)
    {
        var sampling = request.Sampling;
        int[] prompt = [.. request.PromptTokenIds, .. delivered];
        return request with
        {
            RequestId = $"{request.RequestId}.m{migration}",
            PromptTokenIds = prompt,
            Sampling = sampling with
            {
                MaxTokens = sampling.MaxTokens - delivered.Count,
                MinTokens = Math.Max(sampling.MinTokens - delivered.Count, 0),
            },
        };
    }

    /// <summary>
    /// A broken stream is one the worker's side ended: the worker died or refused (the remote client's
    /// <see cref="WorkerStreamBrokenException"/>), or its address could not be reached before it sent
    /// anything. The caller's own cancellation never counts.
    /// </summary>
    private static bool IsBroken(Exception ex, int numFromWorker, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return false;
        return ex switch
        {
            WorkerStreamBrokenException => true,
            GrpcException grpc => grpc.StatusCode == GrpcStatusCode.Unavailable && numFromWorker == 0,
            HttpRequestException or SocketException => numFromWorker == 0,
            _ => false,
        };
    }

    private (RouteDecision Decision, RoutedWorker Worker) Route(GenerateRequest attempt, Exception? lastFailure)
    {
        var prompt = attempt.PromptTokenIds as int[] ?? [.. attempt.PromptTokenIds];
        for (var tries = 0; ; tries++)
        {
            var workers = Volatile.Read(ref _workers);
            string? refusal = null;
            if (workers.IsEmpty)
            {
                refusal = "no worker is registered";
            }
            else if (!ReportLoadsAndFindEligible(workers))
            {
                refusal = "every worker is shunned after a failure or past the busy threshold";
            }
            else if (tries == MaxRouteTries)
            {
                refusal = "the workers chosen left the set while routing";
            }
            if (refusal is null)
            {
                var decision = Router.Route(prompt, WorkerRole.Aggregated, attempt.Sampling.MaxTokens);
                if (decision is null)
                    refusal = "every worker is shunned after a failure";
                else if (workers.TryGetValue(decision.Worker, out var worker))
                    return (decision, worker);
                else
                {
                    Router.Release(decision); // It left after the table was read; read it again.
                    continue;
                }
            }
            if (lastFailure is not null)
                Interlocked.Increment(ref _numMigrationFailures);
            LogNoWorker(_logger, attempt.RequestId, refusal);
            throw new NoWorkerAvailableException(attempt.RequestId, refusal, lastFailure);
        }
    }

    /// <summary>Hands every worker's last load report to the router and says whether any is neither shunned nor busy.</summary>
    private bool ReportLoadsAndFindEligible(System.Collections.Immutable.ImmutableDictionary<WorkerId, RoutedWorker> workers)
    {
        var anyEligible = false;
        foreach (var worker in workers.Values)
        {
            var load = worker.Client.GetLoad();
            Router.ReportLoad(worker.Card.Id, load);
            if (!Router.IsShunned(worker.Card.Id) && !IsBusy(load))
                anyEligible = true;
        }
        return anyEligible;
    }

    private bool IsBusy(EngineLoad load) =>
        _options.BusyKvUsageThreshold is { } threshold && load.KvBlocksTotal > 0 && load.KvBlocksUsed >= threshold * load.KvBlocksTotal;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: worker {Worker} failed after {NumDelivered} tokens; migrating (migration {Attempt}): {Reason}")]
    private static partial void LogMigrating(ILogger logger, string requestId, WorkerId worker, int numDelivered, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: its stream broke again after {Limit} migrations ({NumDelivered} tokens delivered)")]
    private static partial void LogMigrationLimitReached(ILogger logger, string requestId, int limit, int numDelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} refused: {Reason}")]
    private static partial void LogNoWorker(ILogger logger, string requestId, string reason);
}
