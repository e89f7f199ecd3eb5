using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// One call's response: messages as they arrive, then the status from the trailers. Every failure
/// surfaces as a <see cref="GrpcException"/> (a reset or dropped connection is UNAVAILABLE, a missed
/// deadline DEADLINE_EXCEEDED), except the caller's own cancellation, which stays an
/// <see cref="OperationCanceledException"/>. Disposing an unfinished call resets its HTTP/2 stream,
/// which the server sees as its call being cancelled.
/// </summary>
public sealed class GrpcStreamingCall<T> : IAsyncDisposable
    where T : class, IMessage<T>
{
    private readonly HttpClient _http;
    private readonly HttpRequestMessage _request;
    private readonly MessageParser<T> _parser;
    private readonly int _maxMessageSize;
    private readonly CancellationToken _callerToken;
    private readonly CancellationTokenSource _callCts;
    private readonly CancellationTokenSource? _deadlineCts;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private bool _isFinished;
    private T? _current;

    internal GrpcStreamingCall(HttpClient http, HttpRequestMessage request, MessageParser<T> parser, int maxMessageSize, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        _http = http;
        _request = request;
        _parser = parser;
        _maxMessageSize = maxMessageSize;
        _callerToken = cancellationToken;
        if (timeout is { } t)
        {
            _deadlineCts = new CancellationTokenSource(t < TimeSpan.Zero ? TimeSpan.Zero : t);
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadlineCts.Token);
        }
        else
        {
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }
    }

    /// <summary>The message the last successful <see cref="MoveNextAsync"/> read.</summary>
    public T Current => _current ?? throw new InvalidOperationException("no message has been read");

    /// <summary>Reads the next message; false once the stream ended with OK.</summary>
    public async ValueTask<bool> MoveNextAsync()
    {
        if (_isFinished)
            return false;
        try
        {
            if (_reader is null)
            {
                _reader = await StartAsync().ConfigureAwait(false);
                if (_reader is null)
                    return false; // Trailers-Only OK: no body at all.
            }
            _current = await GrpcFraming.ReadMessageAsync(_reader, _parser, _maxMessageSize, _callCts.Token).ConfigureAwait(false);
            if (_current is not null)
                return true;
            _isFinished = true;
            ThrowIfNotOk(_response!.TrailingHeaders, "trailers");
            return false;
        }
        catch (Exception ex) when (ex is not GrpcException)
        {
            _isFinished = true;
            throw Translate(ex);
        }
    }

    public async IAsyncEnumerable<T> ReadAllAsync()
    {
        try
        {
            while (await MoveNextAsync().ConfigureAwait(false))
                yield return Current;
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_isFinished)
        {
            // Cancelling the send and dropping the unread response makes SocketsHttpHandler send RST_STREAM(CANCEL).
            _isFinished = true;
            await _callCts.CancelAsync().ConfigureAwait(false);
        }
        if (_reader is not null)
            await _reader.CompleteAsync().ConfigureAwait(false);
        _response?.Dispose();
        _request.Dispose();
        _callCts.Dispose();
        _deadlineCts?.Dispose();
    }

    private async Task<PipeReader?> StartAsync()
    {
        _response = await _http.SendAsync(_request, HttpCompletionOption.ResponseHeadersRead, _callCts.Token).ConfigureAwait(false);
        if (_response.StatusCode != HttpStatusCode.OK)
            throw new GrpcException(StatusOfHttp(_response.StatusCode), $"HTTP status {(int)_response.StatusCode} from {_request.RequestUri}");
        if (_response.Headers.Contains(GrpcProtocol.StatusHeader))
        {
            // Trailers-Only: the status came in the headers and no message follows.
            _isFinished = true;
            ThrowIfNotOk(_response.Headers, "headers");
            return null;
        }
        if (!GrpcProtocol.IsGrpcContentType(_response.Content.Headers.ContentType?.MediaType))
            throw new GrpcException(GrpcStatusCode.Internal, $"the response's content type is '{_response.Content.Headers.ContentType}', not {GrpcProtocol.ContentType}");
        var stream = await _response.Content.ReadAsStreamAsync(_callCts.Token).ConfigureAwait(false);
        return PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: false));
    }

    private static void ThrowIfNotOk(HttpHeaders headers, string where)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
            throw new GrpcException(GrpcStatusCode.Unavailable, $"the stream ended without a {GrpcProtocol.StatusHeader} in its {where}");
        var text = statusValues.FirstOrDefault();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            throw new GrpcException(GrpcStatusCode.Unknown, $"unreadable {GrpcProtocol.StatusHeader} '{text}'");
        if (status == (int)GrpcStatusCode.OK)
            return;
        var detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages) ? GrpcProtocol.DecodeMessage(messages.FirstOrDefault()) : "";
        throw new GrpcException((GrpcStatusCode)status, detail);
    }

    private Exception Translate(Exception ex)
    {
        if (ex is OperationCanceledException && _callerToken.IsCancellationRequested)
            return new OperationCanceledException("the call was cancelled by its caller", ex, _callerToken);
        if (_deadlineCts?.IsCancellationRequested == true)
            return new GrpcException(GrpcStatusCode.DeadlineExceeded, "the deadline passed", ex);
        return ex switch
        {
            HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException =>
                new GrpcException(GrpcStatusCode.Unavailable, "the stream broke: " + ex.Message, ex),
            _ => new GrpcException(GrpcStatusCode.Internal, ex.GetType().Name + ": " + ex.Message, ex),
        };
    }

    /// <summary>The spec's mapping for responses that are not gRPC at all (a proxy's error page, a wrong path).</summary>
    private static GrpcStatusCode StatusOfHttp(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };
}
