using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>Reads a request body as a JSON object, answering anything else with OpenAI's 400.</summary>
internal static class RequestBody
{
    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    public static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(context.Request.Body, NodeOptions, new JsonDocumentOptions { MaxDepth = 64 }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            throw ApiError.BadRequest("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)", null, "invalid_json");
        }
        catch (BadHttpRequestException e)
        {
            throw new ApiError(e.StatusCode, e.Message, "invalid_request_error", null, e.StatusCode == 413 ? "request_too_large" : null);
        }
        catch (ArgumentException)
        {
            // Duplicate property names land here.
            throw ApiError.BadRequest("The JSON body has duplicate or invalid property names.", null, "invalid_json");
        }
        return node as JsonObject ?? throw ApiError.BadRequest("The request body must be a JSON object.", null, "invalid_json");
    }

    /// <summary>The request's "model", checked as the request readers check it (a 400 when missing or not a string).</summary>
    public static string ModelName(JsonObject body) => Validate(() => JsonFields.RequiredString(body, "model"));

    /// <summary>
    /// Runs a request reader, turning what System.Text.Json.Nodes throws on odd input (numbers out
    /// of a type's range, duplicate keys) into a 400 rather than letting it look like a server fault.
    /// </summary>
    public static T Validate<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw ApiError.BadRequest($"Invalid request: {e.Message}", null, "invalid_value");
        }
    }
}
