using System.Text.Json;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Protocol;
using DynamoOrleans.Gateway.Streaming;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>
/// The life of a generation request shared by chat and completions: metrics around it, errors in
/// OpenAI's shape before the stream starts and as an error event after, client disconnect
/// cancelling the engine through <see cref="HttpContext.RequestAborted"/>.
/// </summary>
internal static class GenerationEndpoint
{
    public delegate Task Handler(HttpContext context, RequestClock clock);

    public static async Task RunAsync(HttpContext context, GatewayContext gateway, string endpoint, Handler handler)
    {
        var metrics = gateway.Metrics;
        var clock = new RequestClock(metrics, gateway.Time);
        var active = metrics.RequestStarted();
        var status = 200;
        try
        {
            var limit = gateway.Options.MaxActiveRequests;
            if (limit > 0 && active > limit)
                throw new ApiError(503, $"The server is overloaded: {limit} requests are in flight. Please retry shortly.", "server_error", null, "server_overloaded");
            await handler(context, clock).ConfigureAwait(false);
            status = context.Response.StatusCode;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
            GatewayLog.ClientCancelled(gateway.Logger, context.TraceIdentifier);
        }
        catch (Exception e) when (e is ApiError or PromptRenderException or EngineUnavailableException)
        {
            var error = e switch
            {
                ApiError api => api,
                // Transient (no worker free, a stream that kept breaking): 503 so clients retry.
                EngineUnavailableException u => new ApiError(503, $"The service is temporarily unavailable: {u.Message}. Please retry.", "service_unavailable", null, u.Code),
                _ => ApiError.BadRequest($"The chat template rejected the conversation: {e.Message}", "messages", "invalid_value"),
            };
            if (error.StatusCode >= 500 && error.StatusCode != 503) GatewayLog.EngineFailed(gateway.Logger, e, context.TraceIdentifier);
            else GatewayLog.Rejected(gateway.Logger, context.TraceIdentifier, error.StatusCode, error.Message);
            status = error.StatusCode;
            await WriteErrorAsync(context, error).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            GatewayLog.EngineFailed(gateway.Logger, e, context.TraceIdentifier);
            status = 500;
            await WriteErrorAsync(context, ApiError.Server("The engine failed while generating.")).ConfigureAwait(false);
        }
        finally
        {
            metrics.RequestEnded(wasQueued: !clock.SawFirstToken);
            metrics.CountRequest(endpoint, status);
            if (status == 200) metrics.RequestDuration.Observe(clock.ElapsedSeconds);
        }
    }

    /// <summary>Before the response starts: a JSON error with its status. After: an SSE error event and [DONE].</summary>
    private static async Task WriteErrorAsync(HttpContext context, ApiError error)
    {
        if (context.RequestAborted.IsCancellationRequested) return;
        if (!context.Response.HasStarted)
        {
            await ErrorResponses.WriteAsync(context, error).ConfigureAwait(false);
            return;
        }
        try
        {
            using var sse = new SseWriter(context.Response.BodyWriter);
            error.WriteTo(sse.BeginEvent());
            sse.EndEvent();
            sse.WriteDone();
            await sse.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public static void StartEventStream(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
            write(writer);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public static UsageCounts Usage(IReadOnlyList<ChoiceJob> jobs, int promptTokens, GatewayContext gateway)
    {
        var completion = 0;
        var cached = 0;
        foreach (var job in jobs)
        {
            completion += job.Processor.CompletionTokens;
            cached = Math.Max(cached, job.Processor.CachedPromptTokens);
        }
        gateway.Metrics.OutputSequenceTokens.Observe(completion);
        gateway.Metrics.CachedTokens.Observe(cached);
        return new UsageCounts(promptTokens, completion, cached);
    }
}
