namespace DynamoOrleans.Gateway.Parsing;

/// <summary>Where a streamed tool call stands after a step.</summary>
public enum ToolCallStatus : byte
{
    /// <summary>Still being generated; its markup may yet turn out malformed.</summary>
    Streaming,

    /// <summary>Its markup closed and parsed: the call is part of the message.</summary>
    Committed,

    /// <summary>Its markup turned out malformed: the call is not part of the message, its text went to content.</summary>
    Dropped,
}

/// <summary>
/// One step's change to one tool call, as OpenAI streams it: the first chunk of a call carries its
/// <see cref="Id"/> and <see cref="Name"/>; every chunk may add the next <see cref="Arguments"/>
/// fragment. The fragments of a call concatenate to its arguments string.
/// </summary>
public readonly record struct ToolCallChunk(int Index, string? Id, string? Name, string Arguments, ToolCallStatus Status);

/// <summary>
/// The tool-call chunks of one step. Nearly every step changes at most one call, so one chunk is
/// held inline and only a step that touches several calls allocates an array.
/// </summary>
public readonly struct ToolCallChunks
{
    private readonly ToolCallChunk _single;
    private readonly ToolCallChunk[]? _many;

    public ToolCallChunks(ToolCallChunk single)
    {
        _single = single;
        Count = 1;
    }

    public ToolCallChunks(ToolCallChunk[] many)
    {
        _many = many;
        Count = many.Length;
    }

    public int Count { get; }

    public ToolCallChunk this[int index] => _many is null
        ? (index == 0 && Count == 1 ? _single : throw new ArgumentOutOfRangeException(nameof(index)))
        : _many[index];

    public static ToolCallChunks From(List<ToolCallChunk> chunks) => chunks.Count switch
    {
        0 => default,
        1 => new ToolCallChunks(chunks[0]),
        _ => new ToolCallChunks(chunks.ToArray()),
    };
}
