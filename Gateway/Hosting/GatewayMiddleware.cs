using System.Security.Cryptography;
using System.Text;
using DynamoOrleans.Gateway.Protocol;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>
/// Outermost middleware: the API key on /v1 routes, and OpenAI-shaped bodies for anything that
/// would otherwise leave as a bare status (404, 405, 413) or an unhandled exception.
/// </summary>
internal sealed class GatewayMiddleware(RequestDelegate next, GatewayContext gateway)
{
    private readonly byte[]? _key = gateway.Options.ApiKey is { } key ? Encoding.UTF8.GetBytes(key) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        if (_key is not null && context.Request.Path.StartsWithSegments("/v1") && !IsAuthorized(context.Request))
        {
            gateway.Metrics.CountRequest("unauthorized", 401);
            await ErrorResponses.WriteAsync(context, ApiError.InvalidApiKey()).ConfigureAwait(false);
            return;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await ErrorResponses.WriteAsync(context, new ApiError(e.StatusCode, e.Message, "invalid_request_error")).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            GatewayLog.Unhandled(gateway.Logger, e, context.Request.Path);
            await ErrorResponses.WriteAsync(context, ApiError.Server("The server had an error while processing your request.")).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var response = context.Response;
        if (!response.HasStarted && response.StatusCode >= 400 && response.ContentLength is null or 0)
            await ErrorResponses.WriteAsync(context, ErrorResponses.ForStatus(response.StatusCode, context.Request.Path)).ConfigureAwait(false);
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _key);
    }
}
