using System.Text;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Preprocessing;

/// <summary>
/// A tokenizer-free preprocessor for tests and benchmarks: token id = UTF-8 byte + <see cref="ByteOffset"/>,
/// ids below the offset are special (e.g. EOS = 2), and a ChatML-like template with Hermes tool markup.
/// </summary>
public sealed class ByteLevelPreprocessor : IPromptPreprocessor
{
    public const int ByteOffset = 3;

    /// <summary>The template appends this after the generation prompt when <c>enable_thinking</c> is true-ish and <c>open_think</c> is set.</summary>
    public const string ThinkOpen = "<think>\n";

    public static int[] Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) ids[i] = bytes[i] + ByteOffset;
        return ids;
    }

    public RenderedPrompt RenderChat(JsonArray messages, JsonArray? tools, IReadOnlyDictionary<string, JsonNode?> templateVariables)
    {
        var text = new StringBuilder();
        if (tools is { Count: > 0 })
            text.Append("<|im_start|>system\n<tools>").Append(tools.ToJsonString()).Append("</tools><|im_end|>\n");
        foreach (var message in messages)
        {
            var role = message!["role"]!.GetValue<string>();
            if (role == "system" && text.Length > 0 && tools is null) throw new PromptRenderException("System message must be first.");
            text.Append("<|im_start|>").Append(role).Append('\n').Append(message["content"]?.GetValue<string>());
            if (message["tool_calls"] is JsonArray calls)
                foreach (var call in calls)
                    text.Append("<tool_call>").Append(call!["function"]!.ToJsonString()).Append("</tool_call>");
            text.Append("<|im_end|>\n");
        }
        text.Append("<|im_start|>assistant\n");
        if (templateVariables.TryGetValue("open_think", out var open) && open?.GetValue<bool>() == true)
            text.Append(ThinkOpen);
        var rendered = text.ToString();
        return new RenderedPrompt(rendered, Encode(rendered));
    }

    public int[] EncodePrompt(string text) => Encode(text);

    public string Decode(ReadOnlySpan<int> tokenIds)
    {
        var bytes = new List<byte>(tokenIds.Length);
        foreach (var id in tokenIds)
            if (id >= ByteOffset && id < ByteOffset + 256) bytes.Add((byte)(id - ByteOffset));
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    public string TokenText(int tokenId) =>
        tokenId >= ByteOffset && tokenId < ByteOffset + 256 ? Encoding.Latin1.GetString([(byte)(tokenId - ByteOffset)]) : $"<|{tokenId}|>";

    public IStreamingDetokenizer CreateDetokenizer() => new Detokenizer();

    private sealed class Detokenizer : IStreamingDetokenizer
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
        private readonly byte[] _one = new byte[1];
        private readonly char[] _chars = new char[4];

        public string Push(int tokenId)
        {
            if (tokenId < ByteOffset || tokenId >= ByteOffset + 256) return string.Empty;
            _one[0] = (byte)(tokenId - ByteOffset);
            var count = _decoder.GetChars(_one, 0, 1, _chars, 0, flush: false);
            return count switch { 0 => string.Empty, 1 when _chars[0] < 128 => AsciiStrings[_chars[0]], _ => new string(_chars, 0, count) };
        }

        public string Flush()
        {
            var count = _decoder.GetChars([], 0, 0, _chars, 0, flush: true);
            return new string(_chars, 0, count);
        }

        private static readonly string[] AsciiStrings = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();
    }
}
