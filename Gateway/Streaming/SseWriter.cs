using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Writes server-sent events straight into the response pipe: <c>data: {json}\n\n</c>, ending with
/// <c>data: [DONE]\n\n</c>. One reusable <see cref="Utf8JsonWriter"/>; no intermediate strings.
/// </summary>
public sealed class SseWriter : IDisposable
{
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    public SseWriter(PipeWriter pipe)
    {
        _pipe = pipe;
        _json = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Starts an event and returns the writer for its JSON payload.</summary>
    public Utf8JsonWriter BeginEvent()
    {
        _pipe.Write("data: "u8);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Ends the event; the bytes stay buffered until <see cref="FlushAsync"/>.</summary>
    public void EndEvent()
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
    }

    public void WriteDone() => _pipe.Write("data: [DONE]\n\n"u8);

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _json.Dispose();
}
