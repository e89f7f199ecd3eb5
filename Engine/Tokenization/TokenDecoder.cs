using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// One tokenizer.json decoder. <see cref="Decode"/> follows Hugging Face's <c>decode_chain</c> on
/// token strings. <see cref="DecodeToken"/> is the same step for one token of a stream, keeping
/// bytes as bytes so that a character split across tokens is joined instead of replaced.
/// </summary>
internal abstract class TokenDecoder
{
    /// <summary>Rewrites <paramref name="tokens"/> in place.</summary>
    public abstract void Decode(List<string> tokens);

    /// <param name="parts">The token so far: text parts, or raw bytes once a byte decoder ran.</param>
    /// <param name="first">Whether this is the first token of the stream.</param>
    /// <param name="fused">Whether a Fuse ran earlier in the chain (tokens are then one string).</param>
    public abstract void DecodeToken(List<TokenPart> parts, bool first, ref bool fused);

    public static TokenDecoder? FromJson(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Null)
            return null;
        var type = JsonConfig.Type(element, path);
        return type switch
        {
            "ByteLevel" => new ByteLevelDecoder(),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Metaspace" => new MetaspaceDecoder(
                JsonConfig.Replacement(element, "replacement", path, "\u2581")[0],
                MetaspacePreTokenizer.ParseScheme(element, path)),
            "Strip" => new StripDecoder(
                JsonConfig.Replacement(element, "content", path, " ")[0],
                JsonConfig.OptionalInt(element, "start", path, 0),
                JsonConfig.OptionalInt(element, "stop", path, 0)),
            "Replace" => ReplaceDecoder.Create(element, path),
            "Sequence" => SequenceDecoder.Create(element, path),
            _ => throw new TokenizerFormatException($"{path}.type '{type}' is not supported"),
        };
    }

    protected static void MapText(List<TokenPart> parts, Func<string, string> map)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i].Text is { } text)
                parts[i] = new TokenPart(map(text), 0);
        }
    }
}

/// <summary>A piece of a token being decoded for a stream: text, or one raw byte when <see cref="Text"/> is null.</summary>
internal readonly record struct TokenPart(string? Text, byte Byte);

internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override void Decode(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
            AppendBytes(token, bytes);
        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString([.. bytes]));
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            if (part.Text is null)
                bytes.Add(part.Byte);
            else
                AppendBytes(part.Text, bytes);
        }
        parts.Clear();
        foreach (var b in bytes)
            parts.Add(new TokenPart(null, b));
    }

    // A token with any character outside the byte alphabet (an added token such as "<think>"
    // is inside it; one with a CJK character is not) is taken as its UTF-8, as Hugging Face does.
    private static void AppendBytes(string token, List<byte> bytes)
    {
        foreach (var c in token)
        {
            if (ByteLevelAlphabet.ToByte(c) < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (var c in token)
            bytes.Add((byte)ByteLevelAlphabet.ToByte(c));
    }
}

internal sealed class ByteFallbackDecoder : TokenDecoder
{
    public override void Decode(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (TryParseByte(token, out var b))
            {
                pending.Add(b);
                continue;
            }
            Flush(pending, output);
            output.Add(token);
        }
        Flush(pending, output);
        tokens.Clear();
        tokens.AddRange(output);
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i].Text is { } text && TryParseByte(text, out var b))
                parts[i] = new TokenPart(null, b);
        }
    }

    // Invalid UTF-8 becomes one U+FFFD per byte, as in Hugging Face.
    private static void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0)
            return;
        try
        {
            output.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. pending]));
        }
        catch (DecoderFallbackException)
        {
            for (var i = 0; i < pending.Count; i++)
                output.Add("\uFFFD");
        }
        pending.Clear();
    }

    private static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }
}

internal sealed class FuseDecoder : TokenDecoder
{
    public override void Decode(List<string> tokens)
    {
        var joined = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(joined);
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused) => fused = true;
}

internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : TokenDecoder
{
    public override void Decode(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
            tokens[i] = Map(tokens[i], i == 0);
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused) =>
        MapText(parts, text => Map(text, first));

    // Hugging Face drops every replacement character of the first token (the prepended ▁) and
    // turns the rest into spaces.
    private string Map(string token, bool first) => first && scheme != PrependScheme.Never
        ? token.Replace(replacement.ToString(), string.Empty, StringComparison.Ordinal)
        : token.Replace(replacement, ' ');
}

internal sealed class StripDecoder(char content, int start, int stop) : TokenDecoder
{
    public override void Decode(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
            tokens[i] = Strip(tokens[i], start, stop);
    }

    // After a Fuse the whole stream is one string: only its start can be stripped as tokens
    // arrive (a trailing strip would need the end of the stream, so it is not applied).
    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused)
    {
        if (fused && !first)
            return;
        var left = start;
        while (left > 0 && parts.Count > 0 && IsContent(parts[0]))
        {
            var text = parts[0].Text;
            if (text is null || text.Length == 1)
                parts.RemoveAt(0);
            else
                parts[0] = new TokenPart(text[1..], 0);
            left--;
        }
        if (!fused)
            MapText(parts, text => Strip(text, 0, stop));
    }

    private bool IsContent(TokenPart part) =>
        part.Text is null ? part.Byte == content : part.Text.Length > 0 && part.Text[0] == content;

    private string Strip(string token, int fromStart, int fromEnd)
    {
        var begin = 0;
        while (begin < fromStart && begin < token.Length && token[begin] == content)
            begin++;
        var end = token.Length;
        while (token.Length - end < fromEnd && end > begin && token[end - 1] == content)
            end--;
        return token[begin..end];
    }
}

internal sealed class ReplaceDecoder(ReplaceRule rule) : TokenDecoder
{
    public static ReplaceDecoder Create(JsonElement element, string path) => new(ReplaceRule.Create(element, path));

    public override void Decode(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
            tokens[i] = rule.Apply(tokens[i]);
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused) => MapText(parts, rule.Apply);
}

internal sealed class SequenceDecoder(TokenDecoder[] decoders) : TokenDecoder
{
    public static SequenceDecoder Create(JsonElement element, string path)
    {
        var list = new List<TokenDecoder>();
        var index = 0;
        foreach (var item in JsonConfig.Array(element, "decoders", path))
        {
            if (FromJson(item, $"{path}.decoders[{index++}]") is { } decoder)
                list.Add(decoder);
        }
        return new SequenceDecoder([.. list]);
    }

    public override void Decode(List<string> tokens)
    {
        foreach (var decoder in decoders)
            decoder.Decode(tokens);
    }

    public override void DecodeToken(List<TokenPart> parts, bool first, ref bool fused)
    {
        foreach (var decoder in decoders)
            decoder.DecodeToken(parts, first, ref fused);
    }
}
