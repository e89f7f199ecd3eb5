using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// Runs one gRPC call on an ASP.NET Core request: checks the content type, applies the deadline,
/// reads the single request message, runs the handler and reports the outcome as <c>grpc-status</c>:
/// in the trailers after messages were sent, or in the headers alone (a Trailers-Only response) when
/// the call fails before its first message.
/// </summary>
internal static partial class GrpcServerCall
{
    public static async Task RunAsync<TRequest>(
        HttpContext http, MessageParser<TRequest> parser, GrpcServerOptions options, Func<TRequest, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
    {
        var request = http.Request;
        var response = http.Response;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            // The spec's answer to a non-gRPC request: plain HTTP 415, no gRPC status.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;

        using var deadlineCts = new CancellationTokenSource();
        DateTimeOffset? deadline = null;
        if (request.Headers.TryGetValue(GrpcProtocol.TimeoutHeader, out var timeoutText))
        {
            if (!GrpcProtocol.TryParseTimeout(timeoutText, out var timeout))
            {
                WriteStatus(response, GrpcStatusCode.Internal, $"malformed {GrpcProtocol.TimeoutHeader} '{timeoutText}'");
                return;
            }
            deadline = DateTimeOffset.UtcNow + timeout;
            if (timeout < TimeSpan.FromDays(1))
                deadlineCts.CancelAfter(timeout);
        }
        using var callCts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadlineCts.Token);
        var context = new ServerCallContext(http, deadline, callCts.Token);
        try
        {
            if (request.Headers.TryGetValue(GrpcProtocol.EncodingHeader, out var encoding) && encoding != "identity")
                throw new GrpcException(GrpcStatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported");
            var message = await GrpcFraming.ReadMessageAsync(request.BodyReader, parser, options.MaxReceiveMessageSize, callCts.Token).ConfigureAwait(false)
                ?? throw new GrpcException(GrpcStatusCode.Internal, "the request carried no message");
            await handler(message, context).ConfigureAwait(false);
            WriteStatus(response, GrpcStatusCode.OK, null);
        }
        catch (Exception ex)
        {
            if (http.RequestAborted.IsCancellationRequested)
                return; // The client is gone; there is nobody to tell.
            var (code, detail) = deadlineCts.IsCancellationRequested
                ? (GrpcStatusCode.DeadlineExceeded, "the deadline passed")
                : GrpcException.StatusOf(ex, callCts.IsCancellationRequested);
            var logger = http.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger(typeof(GrpcServerCall)) ?? NullLogger.Instance;
            if (code == GrpcStatusCode.Internal)
                LogCallFailed(logger, request.Path, ex);
            else
                LogCallEnded(logger, request.Path, code, detail);
            WriteStatus(response, code, detail);
        }
    }

    public static Task RunUnaryAsync<TRequest, TResponse>(
        HttpContext http, MessageParser<TRequest> parser, GrpcServerOptions options, Func<TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        RunAsync(http, parser, options, async (request, context) =>
        {
            var reply = await handler(request, context).ConfigureAwait(false);
            GrpcFraming.WriteMessage(http.Response.BodyWriter, reply, options.MaxSendMessageSize);
            // Unflushed body bytes do not start the response; without this the status would land in the headers and hide the message.
            await http.Response.StartAsync(context.CancellationToken).ConfigureAwait(false);
        });

    public static Task RunServerStreamingAsync<TRequest, TResponse>(
        HttpContext http, MessageParser<TRequest> parser, GrpcServerOptions options, Func<TRequest, ServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        RunAsync(http, parser, options, (request, context) =>
            handler(request, new ServerStreamWriter<TResponse>(http.Response, options.MaxSendMessageSize, context.CancellationToken), context));

    private static void WriteStatus(HttpResponse response, GrpcStatusCode code, string? detail)
    {
        var status = ((int)code).ToString(CultureInfo.InvariantCulture);
        if (response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, status);
            if (!string.IsNullOrEmpty(detail))
                response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeMessage(detail));
        }
        else
        {
            // Nothing sent yet: the status rides in the only HEADERS frame (Trailers-Only), as gRPC servers do.
            response.Headers[GrpcProtocol.StatusHeader] = status;
            if (!string.IsNullOrEmpty(detail))
                response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC call {Path} failed")]
    private static partial void LogCallFailed(ILogger logger, PathString path, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "gRPC call {Path} ended with {Code}: {Detail}")]
    private static partial void LogCallEnded(ILogger logger, PathString path, GrpcStatusCode code, string detail);
}
