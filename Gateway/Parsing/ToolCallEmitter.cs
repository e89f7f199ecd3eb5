using System.Text;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>
/// Numbers tool calls and collects one step's chunks. A call streams from the moment its name is
/// known; calls of one markup unit (a Hermes block, or the whole Llama 3 JSON output) are
/// committed or dropped together when the unit ends, because only then is it known whether the
/// unit parses. Dropped calls keep their index, so a later call never reuses an index a client
/// has already seen.
/// </summary>
internal sealed class ToolCallEmitter(bool singleCall)
{
    private readonly List<int> _pending = [];
    private readonly List<ToolCallChunk> _chunks = [];
    private readonly StringBuilder _arguments = new();
    private int _nextIndex;
    private int _streaming = -1;
    private bool _open;
    private int _openIndex;
    private string? _openId;
    private string? _openName;
    private ToolCallStatus _openStatus;

    /// <summary>Calls committed so far.</summary>
    public int Committed { get; private set; }

    /// <summary>Starts a call; false when parallel_tool_calls is off and a call already exists, so this one is not streamed.</summary>
    public bool Begin(string name)
    {
        if (singleCall && Committed + _pending.Count > 0)
        {
            _streaming = -1;
            return false;
        }
        CloseChunk();
        _streaming = _nextIndex++;
        _pending.Add(_streaming);
        (_open, _openIndex, _openId, _openName, _openStatus) = (true, _streaming, ToolCall.NewId(), name, ToolCallStatus.Streaming);
        return true;
    }

    public void Arguments(char c)
    {
        if (_streaming < 0) return;
        OpenChunk();
        _arguments.Append(c);
    }

    public void Arguments(string text)
    {
        if (_streaming < 0 || text.Length == 0) return;
        OpenChunk();
        _arguments.Append(text);
    }

    /// <summary>The current call's markup is complete; it waits for its unit to end.</summary>
    public void EndCall() => _streaming = -1;

    /// <summary>The unit parsed: its calls are part of the message.</summary>
    public void Commit()
    {
        Committed += _pending.Count;
        Settle(ToolCallStatus.Committed);
    }

    /// <summary>The unit did not parse: its calls are withdrawn.</summary>
    public void Drop() => Settle(ToolCallStatus.Dropped);

    /// <summary>The chunks of this step, in order.</summary>
    public ToolCallChunks Take()
    {
        CloseChunk();
        if (_chunks.Count == 0) return default;
        var result = ToolCallChunks.From(_chunks);
        _chunks.Clear();
        return result;
    }

    private void Settle(ToolCallStatus status)
    {
        _streaming = -1;
        foreach (var index in _pending)
        {
            if (_open && _openIndex == index)
            {
                _openStatus = status;
                continue;
            }
            _chunks.Add(new ToolCallChunk(index, null, null, string.Empty, status));
        }
        _pending.Clear();
        CloseChunk();
    }

    private void OpenChunk()
    {
        if (_open && _openIndex == _streaming) return;
        CloseChunk();
        (_open, _openIndex, _openId, _openName, _openStatus) = (true, _streaming, null, null, ToolCallStatus.Streaming);
    }

    private void CloseChunk()
    {
        if (!_open) return;
        var arguments = _arguments.Length == 0 ? string.Empty : _arguments.ToString();
        _arguments.Clear();
        _chunks.Add(new ToolCallChunk(_openIndex, _openId, _openName, arguments, _openStatus));
        _open = false;
    }
}
