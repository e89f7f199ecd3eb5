using System.Text.Json;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>An error answered in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public sealed class ApiError : Exception
{
    public ApiError(int statusCode, string message, string type, string? param = null, string? code = null)
        : base(message)
    {
        StatusCode = statusCode;
        Type = type;
        Param = param;
        Code = code;
    }

    public int StatusCode { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    public static ApiError BadRequest(string message, string? param = null, string? code = null) =>
        new(400, message, "invalid_request_error", param, code);

    public static ApiError ModelNotFound(string model) =>
        new(404, $"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found");

    public static ApiError NotFound(string path) =>
        new(404, $"Unknown request URL: {path}. Please check the URL for typos.", "invalid_request_error", null, "unknown_url");

    public static ApiError InvalidApiKey() =>
        new(401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");

    public static ApiError Server(string message) => new(500, message, "server_error", null, null);

    /// <summary>Writes <c>{"error":{...}}</c> as one JSON object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, Message);
        writer.WriteString("type"u8, Type);
        if (Param is null) writer.WriteNull("param"u8); else writer.WriteString("param"u8, Param);
        if (Code is null) writer.WriteNull("code"u8); else writer.WriteString("code"u8, Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
