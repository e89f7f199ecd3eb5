using System.Text;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>Content released by one step and the tool calls completed in it.</summary>
public readonly record struct ToolParseDelta(string Content, IReadOnlyList<ToolCall>? Calls)
{
    public static ToolParseDelta Empty => new(string.Empty, null);
}

/// <summary>
/// Parses tool-call markup out of streamed content. Hermes/Qwen <c>&lt;tool_call&gt;{json}&lt;/tool_call&gt;</c>
/// blocks anywhere in the output (text outside them streams as content, partial tags held back);
/// Llama 3 JSON calls when the output starts with <c>{</c>, <c>[</c> or <c>&lt;|python_tag|&gt;</c>
/// (buffered to the end, content if it does not parse). When the call is forced (tool_choice
/// required or named) the whole output is buffered and parsed as calls, since the engine has no
/// guided decoding: text that does not parse stays content.
/// </summary>
public sealed class ToolCallParser
{
    public const string HermesOpen = "<tool_call>";
    public const string HermesClose = "</tool_call>";
    public const string PythonTag = "<|python_tag|>";

    private readonly StringBuilder _pending = new();
    private readonly bool _forced;
    private readonly string? _forcedName;
    private readonly bool _singleCall;
    private Mode _mode;
    private int _emitted;
    private bool _sawCall;

    /// <param name="forced">True for tool_choice required or named.</param>
    /// <param name="forcedName">The named function; bare argument objects are attributed to it.</param>
    /// <param name="singleCall">parallel_tool_calls false: calls after the first are dropped.</param>
    public ToolCallParser(bool forced = false, string? forcedName = null, bool singleCall = false)
    {
        _forced = forced || forcedName is not null;
        _forcedName = forcedName;
        _singleCall = singleCall;
        _mode = _forced ? Mode.WholeOutput : Mode.Start;
    }

    private enum Mode
    {
        Start,
        Text,
        InHermes,
        WholeOutput,
    }

    public bool SawToolCall => _sawCall;

    public ToolParseDelta Push(string text) => Limit(PushCore(text));

    public ToolParseDelta Flush() => Limit(FlushCore());

    private ToolParseDelta Limit(ToolParseDelta delta)
    {
        if (delta.Calls is not { Count: > 0 } calls) return delta;
        if (!_singleCall)
        {
            _emitted += calls.Count;
            return delta;
        }
        var room = Math.Max(0, 1 - _emitted);
        _emitted += Math.Min(room, calls.Count);
        return new ToolParseDelta(delta.Content, room == 0 ? null : calls.Count <= room ? calls : [.. calls.Take(room)]);
    }

    private ToolParseDelta PushCore(string text)
    {
        if (text.Length == 0) return ToolParseDelta.Empty;
        if (_mode == Mode.Text && _pending.Length == 0 && !text.Contains('<', StringComparison.Ordinal))
            return new ToolParseDelta(_sawCall ? DropWhitespace(text) : text, null);
        _pending.Append(text);
        return _mode == Mode.WholeOutput ? ToolParseDelta.Empty : Scan(final: false);
    }

    private ToolParseDelta FlushCore()
    {
        if (_mode == Mode.WholeOutput)
        {
            var whole = _pending.ToString();
            _pending.Clear();
            var calls = ParseHermesBlocks(whole) ?? ToolCallJson.TryParseCalls(StripPythonTag(whole), _forcedName);
            if (calls is null) return new ToolParseDelta(whole, null);
            _sawCall = true;
            return new ToolParseDelta(string.Empty, calls);
        }
        var delta = Scan(final: true);
        if (_pending.Length == 0) return delta;
        var rest = _pending.ToString();
        _pending.Clear();
        // An unclosed <tool_call> or JSON that never parsed is handed back as plain content.
        return new ToolParseDelta(delta.Content + rest, delta.Calls);
    }

    private ToolParseDelta Scan(bool final)
    {
        var content = new StringBuilder();
        List<ToolCall>? calls = null;
        while (_pending.Length > 0)
        {
            var buffered = _pending.ToString();
            if (_mode == Mode.Start)
            {
                var lead = buffered.TrimStart();
                if (lead.Length == 0 && !final) break;
                if (lead.StartsWith('{') || lead.StartsWith('[') || lead.StartsWith(PythonTag, StringComparison.Ordinal))
                {
                    if (!final) break;
                    _pending.Clear();
                    if (ToolCallJson.TryParseCalls(StripPythonTag(lead)) is { } parsed)
                    {
                        _sawCall = true;
                        return new ToolParseDelta(string.Empty, parsed);
                    }
                    return new ToolParseDelta(buffered, null);
                }
                if (!final && PythonTag.StartsWith(lead, StringComparison.Ordinal) && lead.Length > 0) break;
                _mode = Mode.Text;
                continue;
            }
            if (_mode == Mode.Text)
            {
                var open = buffered.IndexOf(HermesOpen, StringComparison.Ordinal);
                if (open >= 0)
                {
                    content.Append(_sawCall ? DropWhitespace(buffered[..open]) : buffered[..open]);
                    _pending.Remove(0, open + HermesOpen.Length);
                    _mode = Mode.InHermes;
                    continue;
                }
                var hold = final ? 0 : PartialSuffix(buffered, HermesOpen);
                var released = buffered[..(buffered.Length - hold)];
                content.Append(_sawCall ? DropWhitespace(released) : released);
                _pending.Remove(0, buffered.Length - hold);
                break;
            }
            // InHermes: wait for the closing tag, then parse the JSON between.
            var close = buffered.IndexOf(HermesClose, StringComparison.Ordinal);
            if (close < 0) break;
            var body = buffered[..close];
            _pending.Remove(0, close + HermesClose.Length);
            _mode = Mode.Text;
            if (ToolCallJson.TryParseCalls(body) is { } blockCalls)
            {
                _sawCall = true;
                (calls ??= []).AddRange(blockCalls);
            }
            else
            {
                content.Append(HermesOpen).Append(body).Append(HermesClose);
            }
        }
        return new ToolParseDelta(content.ToString(), calls);
    }

    /// <summary>Parses every Hermes block of a whole output; null when there are none or one fails.</summary>
    public static List<ToolCall>? ParseHermesBlocks(string text)
    {
        List<ToolCall>? calls = null;
        var at = 0;
        while (true)
        {
            var open = text.IndexOf(HermesOpen, at, StringComparison.Ordinal);
            if (open < 0) return calls;
            var close = text.IndexOf(HermesClose, open, StringComparison.Ordinal);
            var body = close < 0 ? text[(open + HermesOpen.Length)..] : text[(open + HermesOpen.Length)..close];
            var parsed = ToolCallJson.TryParseCalls(body);
            if (parsed is null) return null;
            (calls ??= []).AddRange(parsed);
            if (close < 0) return calls;
            at = close + HermesClose.Length;
        }
    }

    private static string StripPythonTag(string text)
    {
        var trimmed = text.TrimStart();
        return trimmed.StartsWith(PythonTag, StringComparison.Ordinal) ? trimmed[PythonTag.Length..] : text;
    }

    // Between and after calls only whitespace separates blocks; it is not content.
    private static string DropWhitespace(string text) => string.IsNullOrWhiteSpace(text) ? string.Empty : text;

    private static int PartialSuffix(string text, string tag)
    {
        for (var len = Math.Min(tag.Length - 1, text.Length); len > 0; len--)
            if (text.AsSpan(text.Length - len).SequenceEqual(tag.AsSpan(0, len)))
                return len;
        return 0;
    }
}
