using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace DynamoOrleans.Grains.Transport;

/// <summary>Maps gRPC methods onto ASP.NET Core endpoints: <c>POST /{package.Service}/{Method}</c>, as every gRPC client calls them.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, ServerCallContext, Task<TResponse>> handler, GrpcServerOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var resolved = options ?? GrpcServerOptions.Default;
        return endpoints.MapPost(GrpcMethodPath.Of(service, method), http => GrpcServerCall.RunUnaryAsync(http, parser, resolved, handler));
    }

    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(
        this IEndpointRouteBuilder endpoints, string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, ServerStreamWriter<TResponse>, ServerCallContext, Task> handler, GrpcServerOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var resolved = options ?? GrpcServerOptions.Default;
        return endpoints.MapPost(GrpcMethodPath.Of(service, method), http => GrpcServerCall.RunServerStreamingAsync(http, parser, resolved, handler));
    }
}

/// <summary>The HTTP/2 <c>:path</c> of a gRPC method.</summary>
public static class GrpcMethodPath
{
    public static string Of(string service, string method) => "/" + service + "/" + method;
}
