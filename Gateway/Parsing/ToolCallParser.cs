using System.Text;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>Content released by one step and the tool-call chunks it produced.</summary>
public readonly record struct ToolParseDelta(string Content, ToolCallChunks Calls)
{
    public static ToolParseDelta Empty => new(string.Empty, default);
}

/// <summary>
/// Parses tool-call markup out of streamed content and streams the calls as they are generated.
/// Hermes/Qwen <c>&lt;tool_call&gt;{json}&lt;/tool_call&gt;</c> blocks anywhere in the output (text
/// outside them streams as content, partial tags held back); Llama 3 JSON calls when the output
/// starts with <c>{</c>, <c>[</c> or <c>&lt;|python_tag|&gt;</c>. A call starts as soon as its name is
/// read and its arguments stream as they arrive (<see cref="ToolCallReader"/>); a block commits when
/// it closes (or the output ends right after complete JSON), the Llama output when it ends. A unit
/// that turns out malformed drops its calls and goes to content as written. When the call is
/// forced (tool_choice required or named) the whole output is buffered and parsed as calls, since
/// the engine has no guided decoding: text that does not parse stays content.
/// </summary>
public sealed class ToolCallParser
{
    public const string HermesOpen = "<tool_call>";
    public const string HermesClose = "</tool_call>";
    public const string PythonTag = "<|python_tag|>";

    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _unit = new();
    private readonly StringBuilder _content = new();
    private readonly ToolCallEmitter _emitter;
    private readonly ToolCallReader _reader;
    private readonly string? _forcedName;
    private Mode _mode;
    private int _fed;

    /// <param name="forced">True for tool_choice required or named.</param>
    /// <param name="forcedName">The named function; bare argument objects are attributed to it.</param>
    /// <param name="singleCall">parallel_tool_calls false: calls after the first are dropped.</param>
    public ToolCallParser(bool forced = false, string? forcedName = null, bool singleCall = false)
    {
        _forcedName = forcedName;
        _emitter = new ToolCallEmitter(singleCall);
        _reader = new ToolCallReader(_emitter);
        _mode = forced || forcedName is not null ? Mode.WholeOutput : Mode.Start;
    }

    private enum Mode
    {
        Start,
        Text,
        InHermes,
        Llama,
        WholeOutput,
    }

    public bool SawToolCall => _emitter.Committed > 0;

    public ToolParseDelta Push(string text)
    {
        if (_mode == Mode.Text && _pending.Length == 0 && !text.Contains('<', StringComparison.Ordinal))
            return new ToolParseDelta(SawToolCall && string.IsNullOrWhiteSpace(text) ? string.Empty : text, default);
        Append(text);
        return Take();
    }

    public ToolParseDelta Flush()
    {
        End();
        return Take();
    }

    /// <summary>Pushes the last text and ends the output in one step.</summary>
    public ToolParseDelta Finish(string text)
    {
        Append(text);
        End();
        return Take();
    }

    private void Append(string text)
    {
        if (text.Length == 0) return;
        if (_mode == Mode.WholeOutput)
        {
            _pending.Append(text);
            return;
        }
        if (_mode is Mode.InHermes or Mode.Llama) _unit.Append(text);
        else _pending.Append(text);
        Run(final: false);
    }

    private void End()
    {
        if (_mode == Mode.WholeOutput)
        {
            ParseWholeOutput();
            return;
        }
        Run(final: true);
    }

    private ToolParseDelta Take()
    {
        var content = _content.Length == 0 ? string.Empty : _content.ToString();
        _content.Clear();
        return new ToolParseDelta(content, _emitter.Take());
    }

    private void Run(bool final)
    {
        while (_mode switch
        {
            Mode.Start => StepStart(final),
            Mode.Text => StepText(final),
            Mode.InHermes => StepHermes(final),
            Mode.Llama => StepLlama(final),
            _ => false,
        })
        {
        }
    }

    private bool StepStart(bool final)
    {
        var buffered = _pending.ToString();
        var lead = buffered.AsSpan().TrimStart();
        if (lead.Length == 0 && !final) return false;
        var tagged = lead.StartsWith(PythonTag, StringComparison.Ordinal);
        if (lead.StartsWith("{", StringComparison.Ordinal) || lead.StartsWith("[", StringComparison.Ordinal) || tagged)
        {
            _unit.Clear().Append(buffered);
            _pending.Clear();
            _fed = buffered.Length - lead.Length + (tagged ? PythonTag.Length : 0);
            _reader.Reset();
            _mode = Mode.Llama;
            return true;
        }
        if (!final && lead.Length > 0 && PythonTag.AsSpan().StartsWith(lead, StringComparison.Ordinal)) return false;
        _mode = Mode.Text;
        return true;
    }

    private bool StepText(bool final)
    {
        if (_pending.Length == 0) return false;
        var buffered = _pending.ToString();
        var open = buffered.IndexOf(HermesOpen, StringComparison.Ordinal);
        if (open >= 0)
        {
            Release(buffered.AsSpan(0, open));
            _unit.Clear().Append(buffered, open, buffered.Length - open);
            _pending.Clear();
            _fed = HermesOpen.Length;
            _reader.Reset();
            _mode = Mode.InHermes;
            return true;
        }
        var hold = final ? 0 : PartialSuffix(buffered, HermesOpen);
        Release(buffered.AsSpan(0, buffered.Length - hold));
        _pending.Remove(0, buffered.Length - hold);
        return false;
    }

    private bool StepHermes(bool final)
    {
        var unfed = _unit.ToString(_fed, _unit.Length - _fed);
        var close = unfed.IndexOf(HermesClose, StringComparison.Ordinal);
        if (close < 0)
        {
            // Text that may begin the closing tag waits, so the reader never sees the tag.
            var hold = final ? 0 : PartialSuffix(unfed, HermesClose);
            Feed(unfed.AsSpan(0, unfed.Length - hold));
            if (!final) return false;
            EndUnit(_unit.ToString());
            _unit.Clear();
            return true;
        }
        Feed(unfed.AsSpan(0, close));
        var blockEnd = _fed + HermesClose.Length;
        EndUnit(_unit.ToString(0, blockEnd));
        _pending.Append(_unit, blockEnd, _unit.Length - blockEnd);
        _unit.Clear();
        return true;
    }

    private bool StepLlama(bool final)
    {
        while (_fed < _unit.Length && !_reader.Failed) _reader.Feed(_unit[_fed++]);
        if (!_reader.Failed && !final) return false;
        // The output ended, or stopped being tool-call JSON: it all goes to content (where Hermes blocks may still follow).
        if (_reader.End() && !_reader.Failed)
        {
            _emitter.Commit();
        }
        else
        {
            _emitter.Drop();
            _pending.Append(_unit);
        }
        _unit.Clear();
        _mode = Mode.Text;
        return true;
    }

    private void Feed(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!_reader.Failed) _reader.Feed(c);
        _fed += text.Length;
    }

    private void EndUnit(string raw)
    {
        _mode = Mode.Text;
        if (!_reader.Failed && _reader.End())
        {
            _emitter.Commit();
            return;
        }
        _emitter.Drop();
        _content.Append(raw);
    }

    private void ParseWholeOutput()
    {
        var whole = _pending.ToString();
        _pending.Clear();
        var calls = ParseHermesBlocks(whole) ?? ToolCallJson.TryParseCalls(StripPythonTag(whole), _forcedName);
        if (calls is null)
        {
            _content.Append(whole);
            return;
        }
        foreach (var call in calls)
        {
            if (!_emitter.Begin(call.Name)) continue;
            _emitter.Arguments(call.Arguments);
            _emitter.EndCall();
        }
        _emitter.Commit();
    }

    // Between and after calls only whitespace separates blocks; it is not content.
    private void Release(ReadOnlySpan<char> text)
    {
        if (SawToolCall && text.IsWhiteSpace()) return;
        _content.Append(text);
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

    private static int PartialSuffix(string text, string tag)
    {
        for (var len = Math.Min(tag.Length - 1, text.Length); len > 0; len--)
            if (text.AsSpan(text.Length - len).SequenceEqual(tag.AsSpan(0, len)))
                return len;
        return 0;
    }
}
