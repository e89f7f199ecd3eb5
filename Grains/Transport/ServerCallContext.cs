using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Grains.Transport;

/// <summary>What a handler knows about its call besides the request message.</summary>
public sealed class ServerCallContext
{
    internal ServerCallContext(HttpContext httpContext, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    public HttpContext HttpContext { get; }

    /// <summary>When the client's <c>grpc-timeout</c> runs out; null when it sent none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Fires when the client goes away (RST_STREAM, a dropped connection) or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }
}
