using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>Writes <see cref="ApiError"/> bodies to HTTP responses.</summary>
public static class ErrorResponses
{
    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        if (response.HasStarted)
            return;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        if (error.StatusCode == 401)
            response.Headers.WWWAuthenticate = "Bearer";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
            error.WriteTo(writer);
        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The error for a bare status code that some middleware set with no body (404, 405, 413...).</summary>
    public static ApiError ForStatus(int status, string path) => status switch
    {
        404 => ApiError.NotFound(path),
        405 => new ApiError(405, $"Method not allowed for {path}.", "invalid_request_error", null, "method_not_allowed"),
        413 => new ApiError(413, "The request body is too large.", "invalid_request_error", null, "request_too_large"),
        401 => ApiError.InvalidApiKey(),
        >= 500 => new ApiError(status, "The server had an error while processing your request.", "server_error"),
        _ => new ApiError(status, $"Request failed with status {status}.", "invalid_request_error"),
    };
}
