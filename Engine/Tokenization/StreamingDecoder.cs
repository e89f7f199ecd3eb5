using System.Buffers;
using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Turns one stream of generated ids into text as it arrives. A character whose UTF-8 bytes are
/// split across tokens (byte-level pieces, or byte-fallback tokens such as <c>&lt;0xE4&gt;</c>) is
/// held back until complete, so a client never sees a broken character. One per output stream;
/// not thread-safe. Push allocates only the string it returns.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly Tokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private byte[] _pending = new byte[16];
    private int _pendingCount;
    private bool _started;

    internal StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one token; returns the text it completes, or "" while a character is incomplete.</summary>
    public string Push(int tokenId)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecial(tokenId))
            return string.Empty;
        var bytes = _tokenizer.StreamBytes(tokenId, first: !_started);
        _started = true;
        if (bytes.Length == 0)
            return string.Empty;
        if (_pendingCount + bytes.Length > _pending.Length)
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingCount + bytes.Length));
        bytes.CopyTo(_pending, _pendingCount);
        _pendingCount += bytes.Length;

        var complete = CompletePrefixLength(_pending.AsSpan(0, _pendingCount));
        if (complete == 0)
            return string.Empty;
        var text = Encoding.UTF8.GetString(_pending, 0, complete);
        _pending.AsSpan(complete, _pendingCount - complete).CopyTo(_pending);
        _pendingCount -= complete;
        return text;
    }

    /// <summary>Ends the stream: returns what is held back, with U+FFFD for bytes that never completed a character.</summary>
    public string Flush()
    {
        var text = _pendingCount == 0 ? string.Empty : Encoding.UTF8.GetString(_pending, 0, _pendingCount);
        _pendingCount = 0;
        return text;
    }

    /// <summary>
    /// Length of the prefix that no later byte can change: everything up to a trailing sequence
    /// that is a valid start of a character still waiting for bytes. Invalid bytes are let
    /// through (they decode to U+FFFD), so garbage never stalls the stream.
    /// </summary>
    private static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed);
            if (status == OperationStatus.NeedMoreData)
                return i;
            i += consumed;
        }
        return i;
    }
}
