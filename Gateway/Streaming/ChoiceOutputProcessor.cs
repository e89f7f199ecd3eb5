using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Turns one choice's engine tokens into deltas: detokenize → stop strings → reasoning split →
/// tool-call parsing, in that order (stop strings apply to the raw text, as in vLLM).
/// </summary>
public sealed class ChoiceOutputProcessor
{
    private readonly int _index;
    private readonly IStreamingDetokenizer _detokenizer;
    private readonly StopStringMatcher? _stops;
    private readonly ReasoningParser? _reasoning;
    private readonly ToolCallParser? _tools;
    private readonly IReadOnlyList<int> _silentStopIds;
    private readonly bool _wantLogprobs;
    private readonly int _minTokens;

    public ChoiceOutputProcessor(
        int index,
        IStreamingDetokenizer detokenizer,
        IReadOnlyList<string> stops,
        IReadOnlyList<int> silentStopIds,
        bool wantLogprobs,
        ReasoningParser? reasoning = null,
        ToolCallParser? tools = null,
        int minTokens = 0)
    {
        _minTokens = minTokens;
        _index = index;
        _detokenizer = detokenizer;
        _stops = stops.Count > 0 ? new StopStringMatcher(stops) : null;
        _silentStopIds = silentStopIds;
        _wantLogprobs = wantLogprobs;
        _reasoning = reasoning;
        _tools = tools;
    }

    public int CompletionTokens { get; private set; }

    public int CachedPromptTokens { get; private set; }

    /// <summary>True once a stop string ended the choice; the caller stops the engine.</summary>
    public bool StopStringMatched => _stops?.IsStopped == true;

    public bool IsFinished { get; private set; }

    /// <summary>Processes one engine output; on the final output (or a stop string) the delta carries the finish reason.</summary>
    public ChoiceDelta Step(in TokenOutput output)
    {
        if (output.TokenId < 0)
            return output.Finish is { } end ? Finish(string.Empty, null, MapFinish(end)) : new ChoiceDelta(_index, string.Empty, string.Empty, default, null, null);
        CompletionTokens++;
        CachedPromptTokens = output.CachedPromptTokens;
        LogprobEntry? logprob = _wantLogprobs && !float.IsNaN(output.Logprob)
            ? new LogprobEntry(output.TokenId, output.Logprob, output.TopLogprobs)
            : null;
        // EOS and stop token ids finish the choice without showing their text.
        var silent = output.Finish == Engine.Serving.FinishReason.Stop && IsSilentStop(output.TokenId);
        var text = silent ? string.Empty : _detokenizer.Push(output.TokenId);
        // As in vLLM, stop strings count only once min_tokens are out.
        if (_stops is not null) text = CompletionTokens <= _minTokens ? _stops.PassThrough(text) : _stops.Push(text);
        if (StopStringMatched)
            return Finish(text, logprob, "stop");
        if (output.Finish is { } finish)
            return Finish(text, logprob, MapFinish(finish));
        return Route(text, logprob, null);
    }

    /// <summary>Ends the choice when the engine stream stopped with no final output (cancellation).</summary>
    public ChoiceDelta Abort() => Finish(string.Empty, null, "stop");

    private ChoiceDelta Finish(string text, LogprobEntry? logprob, string reason)
    {
        IsFinished = true;
        if (!StopStringMatched)
        {
            var rest = _detokenizer.Flush();
            if (_stops is null)
            {
                text += rest;
            }
            else
            {
                text += _stops.Push(rest);
                if (StopStringMatched) reason = "stop";
                else text += _stops.Flush();
            }
        }
        var reasoning = string.Empty;
        var content = text;
        if (_reasoning is not null)
        {
            var a = _reasoning.Push(text);
            var b = _reasoning.Flush();
            reasoning = a.Reasoning + b.Reasoning;
            content = a.Content + b.Content;
        }
        ToolCallChunks calls = default;
        if (_tools is not null)
        {
            var parsed = _tools.Finish(content);
            content = parsed.Content;
            calls = parsed.Calls;
            if (_tools.SawToolCall && reason == "stop") reason = "tool_calls";
        }
        return new ChoiceDelta(_index, content, reasoning, calls, logprob, reason);
    }

    private ChoiceDelta Route(string text, LogprobEntry? logprob, string? reason)
    {
        if (text.Length == 0) return new ChoiceDelta(_index, string.Empty, string.Empty, default, logprob, reason);
        var reasoning = string.Empty;
        var content = text;
        if (_reasoning is not null)
        {
            var split = _reasoning.Push(text);
            reasoning = split.Reasoning;
            content = split.Content;
        }
        ToolCallChunks calls = default;
        if (_tools is not null && content.Length > 0)
        {
            var parsed = _tools.Push(content);
            content = parsed.Content;
            calls = parsed.Calls;
        }
        return new ChoiceDelta(_index, content, reasoning, calls, logprob, reason);
    }

    private bool IsSilentStop(int tokenId)
    {
        for (var i = 0; i < _silentStopIds.Count; i++)
            if (_silentStopIds[i] == tokenId) return true;
        return false;
    }

    private static string MapFinish(Engine.Serving.FinishReason finish) => finish switch
    {
        Engine.Serving.FinishReason.Length => "length",
        Engine.Serving.FinishReason.Error => "error",
        _ => "stop",
    };
}
