using System.Text;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>Text of one step, split into the reasoning and the answer.</summary>
public readonly record struct ReasoningDelta(string Reasoning, string Content);

/// <summary>
/// Splits <c>&lt;think&gt;…&lt;/think&gt;</c> off the output into <c>reasoning_content</c>. The output
/// starts inside reasoning when the prompt itself opened the block (DeepSeek-R1, some Qwen3
/// templates); otherwise only a <c>&lt;think&gt;</c> at the start of the output opens it. Partial tags
/// are held back so they never leak into either field.
/// </summary>
public sealed class ReasoningParser
{
    public const string OpenTag = "<think>";
    public const string CloseTag = "</think>";

    private readonly StringBuilder _pending = new();
    private State _state;
    private bool _trimContentStart;

    public ReasoningParser(bool startsInReasoning)
    {
        _state = startsInReasoning ? State.Reasoning : State.Start;
    }

    private enum State
    {
        Start,
        Reasoning,
        Content,
    }

    /// <summary>True when a rendered prompt leaves the model inside an open think block.</summary>
    public static bool PromptOpensReasoning(string renderedPrompt)
    {
        var open = renderedPrompt.LastIndexOf(OpenTag, StringComparison.Ordinal);
        return open >= 0 && renderedPrompt.IndexOf(CloseTag, open, StringComparison.Ordinal) < 0
            && renderedPrompt.AsSpan(open + OpenTag.Length).Trim().Length == 0;
    }

    public bool InReasoning => _state == State.Reasoning;

    public ReasoningDelta Push(string text)
    {
        if (_state == State.Content && _pending.Length == 0) return new ReasoningDelta(string.Empty, TrimStart(text));
        _pending.Append(text);
        var reasoning = string.Empty;
        var content = string.Empty;
        while (true)
        {
            var buffered = _pending.ToString();
            if (_state == State.Start)
            {
                var lead = buffered.AsSpan().TrimStart();
                if (lead.StartsWith(OpenTag, StringComparison.Ordinal))
                {
                    _pending.Clear().Append(lead[OpenTag.Length..]);
                    _state = State.Reasoning;
                    continue;
                }
                if (lead.Length == 0 || OpenTag.AsSpan().StartsWith(lead, StringComparison.Ordinal)) break;
                _state = State.Content;
                _pending.Clear();
                content = buffered;
                break;
            }
            if (_state == State.Reasoning)
            {
                var close = buffered.IndexOf(CloseTag, StringComparison.Ordinal);
                if (close >= 0)
                {
                    reasoning += buffered[..close];
                    _pending.Clear().Append(buffered.AsSpan(close + CloseTag.Length));
                    _state = State.Content;
                    _trimContentStart = true;
                    continue;
                }
                var hold = PartialTagSuffix(buffered, CloseTag);
                reasoning += buffered[..(buffered.Length - hold)];
                _pending.Remove(0, buffered.Length - hold);
                break;
            }
            _pending.Clear();
            content += TrimStart(buffered);
            break;
        }
        return new ReasoningDelta(reasoning, content);
    }

    /// <summary>Releases held text at the end of the stream.</summary>
    public ReasoningDelta Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return _state == State.Reasoning ? new ReasoningDelta(rest, string.Empty) : new ReasoningDelta(string.Empty, TrimStart(rest));
    }

    private string TrimStart(string text)
    {
        if (!_trimContentStart || text.Length == 0) return text;
        var trimmed = text.TrimStart();
        if (trimmed.Length > 0) _trimContentStart = false;
        return trimmed;
    }

    private static int PartialTagSuffix(string text, string tag)
    {
        for (var len = Math.Min(tag.Length - 1, text.Length); len > 0; len--)
            if (text.AsSpan(text.Length - len).SequenceEqual(tag.AsSpan(0, len)))
                return len;
        return 0;
    }
}
