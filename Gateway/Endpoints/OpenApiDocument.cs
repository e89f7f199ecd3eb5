using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>
/// A hand-written OpenAPI 3.1 document of the gateway's routes. Microsoft.AspNetCore.OpenApi
/// restores, but the handlers read raw JSON (for OpenAI-shaped validation errors), so a generated
/// document would have no request schemas; this one states them.
/// </summary>
internal static class OpenApiDocument
{
    private static byte[]? _cached;

    public static ReadOnlyMemory<byte> Utf8(string model) => _cached ??= System.Text.Encoding.UTF8.GetBytes(Build(model).ToJsonString());

    public static JsonObject Build(string model)
    {
        var error = Ref("Error");
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = "DynamoOrleans OpenAI-compatible API", ["version"] = "1.0.0", ["description"] = $"Serving {model}." },
            ["paths"] = new JsonObject
            {
                ["/v1/chat/completions"] = Post("createChatCompletion", "Chat completion; SSE when stream is true.", "ChatCompletionRequest", "ChatCompletion", error),
                ["/v1/completions"] = Post("createCompletion", "Text completion; SSE when stream is true.", "CompletionRequest", "Completion", error),
                ["/v1/models"] = Get("listModels", "The served model.", "application/json"),
                ["/health"] = Get("health", "Ready: the engine answers, with its load.", "application/json"),
                ["/live"] = Get("live", "The process is up.", "application/json"),
                ["/metrics"] = Get("metrics", "Prometheus text exposition.", "text/plain"),
                ["/openapi.json"] = Get("openapi", "This document.", "application/json"),
            },
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
                ["schemas"] = new JsonObject
                {
                    ["Error"] = Obj(new JsonObject
                    {
                        ["error"] = Obj(new JsonObject { ["message"] = T("string"), ["type"] = T("string"), ["param"] = T("string", nullable: true), ["code"] = T("string", nullable: true) }),
                    }),
                    ["ChatCompletionRequest"] = Obj(Common(new JsonObject
                    {
                        ["messages"] = new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Obj(new JsonObject { ["role"] = Enum("system", "developer", "user", "assistant", "tool"), ["content"] = new JsonObject { ["type"] = new JsonArray("string", "array", "null") }, ["tool_calls"] = T("array"), ["tool_call_id"] = T("string"), ["name"] = T("string") }, "role") },
                        ["max_completion_tokens"] = T("integer"),
                        ["logprobs"] = T("boolean"),
                        ["top_logprobs"] = T("integer"),
                        ["tools"] = T("array"),
                        ["tool_choice"] = new JsonObject { ["oneOf"] = new JsonArray(Enum("none", "auto", "required"), T("object")) },
                        ["parallel_tool_calls"] = T("boolean"),
                        ["chat_template_kwargs"] = T("object"),
                        ["response_format"] = T("object"),
                    }), "model", "messages"),
                    ["CompletionRequest"] = Obj(Common(new JsonObject
                    {
                        ["prompt"] = new JsonObject { ["oneOf"] = new JsonArray(T("string"), T("array")) },
                        ["logprobs"] = T("integer"),
                        ["echo"] = T("boolean"),
                        ["best_of"] = T("integer"),
                    }), "model", "prompt"),
                    ["ChatCompletion"] = T("object"),
                    ["Completion"] = T("object"),
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
        };
    }

    private static JsonObject Common(JsonObject extra)
    {
        var fields = new JsonObject
        {
            ["model"] = T("string"), ["max_tokens"] = T("integer"), ["min_tokens"] = T("integer"), ["temperature"] = T("number"),
            ["top_p"] = T("number"), ["top_k"] = T("integer"), ["min_p"] = T("number"), ["seed"] = T("integer"),
            ["presence_penalty"] = T("number"), ["frequency_penalty"] = T("number"), ["repetition_penalty"] = T("number"),
            ["stop"] = new JsonObject { ["oneOf"] = new JsonArray(T("string"), T("array")) }, ["stop_token_ids"] = T("array"),
            ["n"] = T("integer"), ["stream"] = T("boolean"), ["stream_options"] = Obj(new JsonObject { ["include_usage"] = T("boolean") }),
            ["ignore_eos"] = T("boolean"), ["user"] = T("string"),
        };
        foreach (var (key, value) in extra.ToList())
        {
            extra.Remove(key);
            fields[key] = value;
        }
        return fields;
    }

    private static JsonObject Post(string id, string summary, string request, string response, JsonObject error) => new()
    {
        ["post"] = new JsonObject
        {
            ["operationId"] = id,
            ["summary"] = summary,
            ["requestBody"] = new JsonObject { ["required"] = true, ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(request) } } },
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(response) }, ["text/event-stream"] = new JsonObject() } },
                ["400"] = ErrorResponse("Invalid request", error),
                ["401"] = ErrorResponse("Missing or wrong API key", error),
                ["404"] = ErrorResponse("Unknown model", error),
            },
        },
    };

    private static JsonObject Get(string id, string summary, string contentType) => new()
    {
        ["get"] = new JsonObject { ["operationId"] = id, ["summary"] = summary, ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { [contentType] = new JsonObject() } } } },
    };

    private static JsonObject ErrorResponse(string description, JsonObject error) =>
        new() { ["description"] = description, ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = error.DeepClone() } } };

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    private static JsonObject T(string type, bool nullable = false) =>
        nullable ? new JsonObject { ["type"] = new JsonArray(type, "null") } : new JsonObject { ["type"] = type };

    private static JsonObject Enum(params string[] values) => new() { ["type"] = "string", ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]) };

    private static JsonObject Obj(JsonObject properties, params string[] required)
    {
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Length > 0) schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        return schema;
    }
}
