using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Protocol;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>One choice to generate: the engine request and the processor that turns its tokens into deltas.</summary>
public sealed record ChoiceJob(GenerateRequest Request, ChoiceOutputProcessor Processor);

/// <summary>
/// Runs a request's choices on the engine and yields their deltas in arrival order, timing first
/// and inter-token latencies. One choice streams directly; several are merged through a channel.
/// A stop string cancels that choice in the engine; the caller's token cancels all of them.
/// </summary>
public sealed class ChoiceRunner(IEngineClient engine, GatewayMetrics metrics, TimeProvider time)
{
    public IAsyncEnumerable<ChoiceDelta> RunAsync(IReadOnlyList<ChoiceJob> jobs, RequestClock clock, CancellationToken cancellationToken) =>
        jobs.Count == 1 ? RunOneAsync(jobs[0], clock, cancellationToken) : MergeAsync(jobs, clock, cancellationToken);

    private async IAsyncEnumerable<ChoiceDelta> RunOneAsync(ChoiceJob job, RequestClock clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var choiceCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var processor = job.Processor;
        var last = 0L;
        IAsyncEnumerable<TokenOutput> outputs;
        try
        {
            outputs = engine.GenerateAsync(job.Request, choiceCts.Token);
        }
        catch (ArgumentException e)
        {
            // The engine re-validates eagerly; a request it refuses is the client's error, not ours.
            throw ApiError.BadRequest(e.Message, null, "invalid_value");
        }
        await foreach (var output in outputs.ConfigureAwait(false))
        {
            var now = time.GetTimestamp();
            if (last != 0) metrics.InterTokenLatency.Observe(time.GetElapsedTime(last, now).TotalSeconds);
            last = now;
            clock.OnToken(now);
            // The engine ends a request it cut short itself (a fault, shutdown) with token -1.
            if (output.Finish is FinishReason.Error)
                throw new ApiError(500, "The engine failed while generating.", "server_error");
            if (output.Finish is FinishReason.Cancelled)
                throw new ApiError(503, "The engine stopped before finishing this request. Please retry.", "server_error", null, "engine_unavailable");
            var delta = processor.Step(output);
            if (processor.IsFinished)
            {
                if (!output.IsFinal) await choiceCts.CancelAsync().ConfigureAwait(false);
                yield return delta;
                yield break;
            }
            if (!delta.IsEmpty) yield return delta;
        }
        // The engine ended without a final output (cancelled underneath us): close the choice.
        if (!processor.IsFinished)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return processor.Abort();
        }
    }

    private async IAsyncEnumerable<ChoiceDelta> MergeAsync(IReadOnlyList<ChoiceJob> jobs, RequestClock clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ChoiceDelta>(new UnboundedChannelOptions { SingleReader = true });
        using var allCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
            tasks[i] = PumpAsync(jobs[i], clock, channel.Writer, allCts.Token);
        _ = Task.WhenAll(tasks).ContinueWith(
            t => channel.Writer.TryComplete(t.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var delta in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return delta;
        }
        finally
        {
            await allCts.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task PumpAsync(ChoiceJob job, RequestClock clock, ChannelWriter<ChoiceDelta> writer, CancellationToken cancellationToken)
    {
        await foreach (var delta in RunOneAsync(job, clock, cancellationToken).ConfigureAwait(false))
            writer.TryWrite(delta);
    }
}
