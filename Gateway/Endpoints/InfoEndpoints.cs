using System.Text.Json;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>GET /v1/models, /health, /live and /metrics.</summary>
internal static class InfoEndpoints
{
    public static async Task ModelsAsync(HttpContext context, GatewayContext gateway)
    {
        var models = gateway.Models.List();
        var created = gateway.Time.GetUtcNow().ToUnixTimeSeconds();
        await GenerationEndpoint.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("object"u8, "list");
            w.WriteStartArray("data"u8);
            foreach (var model in models)
            {
                var card = model.Card;
                w.WriteStartObject();
                w.WriteString("id"u8, model.Name);
                w.WriteString("object"u8, "model");
                w.WriteNumber("created"u8, created);
                w.WriteString("owned_by"u8, "dynamo-orleans");
                w.WriteString("root"u8, card.Name);
                w.WriteNumber("max_model_len"u8, card.MaxContextLength);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
        gateway.Metrics.CountRequest("models", 200);
    }

    /// <summary>Ready when the engine answers a load query; reports its load.</summary>
    public static async Task HealthAsync(HttpContext context, GatewayContext gateway)
    {
        EngineLoad load;
        try
        {
            load = gateway.Models.GetLoad();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await ErrorResponses.WriteAsync(context, new ApiError(503, $"The engine does not answer: {e.Message}", "server_error", null, "engine_unavailable")).ConfigureAwait(false);
            return;
        }
        await GenerationEndpoint.WriteJsonAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "healthy");
            w.WriteString("model"u8, gateway.ModelName);
            w.WriteNumber("running"u8, load.NumRunning);
            w.WriteNumber("waiting"u8, load.NumWaiting);
            w.WriteNumber("kv_blocks_used"u8, load.KvBlocksUsed);
            w.WriteNumber("kv_blocks_total"u8, load.KvBlocksTotal);
            w.WriteNumber("active_requests"u8, gateway.Metrics.ActiveRequests);
            gateway.Models.WriteHealth(w);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public static Task LiveAsync(HttpContext context, GatewayContext gateway) =>
        GenerationEndpoint.WriteJsonAsync(context, static w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "live");
            w.WriteEndObject();
        });

    public static async Task MetricsAsync(HttpContext context, GatewayContext gateway)
    {
        var text = gateway.Metrics.WriteText(gateway.ModelName, gateway.Models.GetLoad());
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    public static Task OpenApiAsync(HttpContext context, GatewayContext gateway)
    {
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(OpenApiDocument.Utf8(gateway.ModelName), context.RequestAborted).AsTask();
    }

    internal static JsonWriterOptions Indented => new() { Indented = true };
}
