using System.Text;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Finds stop strings in streamed text. Text that could still be the start of a stop string is
/// held back, so a stop split across tokens never leaks; the stop string itself is trimmed.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;
    private readonly int _maxStopLength;
    private readonly StringBuilder _pending = new();

    public StopStringMatcher(IReadOnlyList<string> stops)
    {
        _stops = [.. stops];
        foreach (var s in _stops)
        {
            if (s.Length == 0) throw new ArgumentException("Stop strings must not be empty.", nameof(stops));
            _maxStopLength = Math.Max(_maxStopLength, s.Length);
        }
    }

    public bool IsActive => _stops.Length > 0;

    /// <summary>True once a stop string was found; later pushes return nothing.</summary>
    public bool IsStopped { get; private set; }

    /// <summary>Adds text and returns what can be released now.</summary>
    public string Push(string text)
    {
        if (IsStopped) return string.Empty;
        if (_stops.Length == 0) return text;
        if (text.Length == 0) return string.Empty;
        // Only the held-back tail can join a new piece into a stop, so scan from where a stop could start.
        var scanFrom = Math.Max(0, _pending.Length - _maxStopLength + 1);
        _pending.Append(text);
        var buffered = _pending.ToString();

        var first = -1;
        foreach (var stop in _stops)
        {
            var at = buffered.IndexOf(stop, scanFrom, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        if (first >= 0)
        {
            IsStopped = true;
            _pending.Clear();
            return buffered[..first];
        }

        var hold = LongestStopPrefixSuffix(buffered);
        var release = buffered.Length - hold;
        if (release == 0) return string.Empty;
        _pending.Remove(0, release);
        return release == buffered.Length ? buffered : buffered[..release];
    }

    /// <summary>Releases <paramref name="text"/> and anything held without looking for stops (min_tokens not reached yet).</summary>
    public string PassThrough(string text)
    {
        if (IsStopped || _pending.Length == 0) return IsStopped ? string.Empty : text;
        var released = _pending.Append(text).ToString();
        _pending.Clear();
        return released;
    }

    /// <summary>Releases the held-back text at the end of the stream (no stop can complete any more).</summary>
    public string Flush()
    {
        if (IsStopped) return string.Empty;
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    /// <summary>The length of the longest suffix of <paramref name="text"/> that is a proper prefix of a stop string.</summary>
    private int LongestStopPrefixSuffix(string text)
    {
        var best = 0;
        foreach (var stop in _stops)
        {
            for (var len = Math.Min(stop.Length - 1, text.Length); len > best; len--)
            {
                if (text.AsSpan(text.Length - len).SequenceEqual(stop.AsSpan(0, len)))
                {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
