using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

public sealed partial class Tokenizer
{
    private byte[]?[]? _streamBytes;

    /// <summary>Text of <paramref name="ids"/>, through the decoder chain as Hugging Face's <c>decode</c>. Unknown ids are skipped.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (skipSpecialTokens && IsSpecial(id))
                continue;
            if (IdToToken(id) is { } token)
                tokens.Add(token);
        }
        if (_decoder is null)
            return string.Join(' ', tokens);
        _decoder.Decode(tokens);
        return string.Concat(tokens);
    }

    /// <summary>A decoder for one output stream; see <see cref="StreamingDecoder"/>.</summary>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = true) => new(this, skipSpecialTokens);

    /// <summary>
    /// The bytes one token adds to a stream. Tokens after the first are the same in every stream,
    /// so they are computed once and kept; the first token of a stream can differ (a stripped
    /// leading space) and is computed each time.
    /// </summary>
    internal byte[] StreamBytes(int id, bool first)
    {
        if ((uint)id >= (uint)VocabSize)
            return [];
        if (first)
            return ComputeStreamBytes(id, first: true);
        var table = _streamBytes ??= new byte[VocabSize][];
        return table[id] ??= ComputeStreamBytes(id, first: false);
    }

    private byte[] ComputeStreamBytes(int id, bool first)
    {
        if (IdToToken(id) is not { } token)
            return [];
        // Without a decoder Hugging Face joins tokens with spaces.
        var parts = new List<TokenPart> { new(_decoder is null && !first ? " " + token : token, 0) };
        var fused = false;
        _decoder?.DecodeToken(parts, first, ref fused);
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            if (part.Text is null)
                bytes.Add(part.Byte);
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(part.Text));
        }
        return [.. bytes];
    }
}
