using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Per-thread buffers for one encode call, so the hot path allocates nothing once warm
/// (the tokenizer is shared across request threads).
/// </summary>
internal sealed class EncodeScratch
{
    [ThreadStatic]
    private static EncodeScratch? t_instance;

    private byte[] _bytes = new byte[256];
    private char[] _chars = new char[256];

    public List<(int Start, int End, int Id)> RawSegments { get; } = [];

    public List<(int Start, int End, int Id)> NormalizedSegments { get; } = [];

    public List<Piece> PiecesA { get; } = [];

    public List<Piece> PiecesB { get; } = [];

    public static EncodeScratch Get() => t_instance ??= new EncodeScratch();

    /// <summary>The word's UTF-8 bytes, each written as its byte-level alphabet character.</summary>
    public ReadOnlySpan<char> MapToByteLevel(ReadOnlySpan<char> word)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(word.Length);
        if (_bytes.Length < maxBytes)
        {
            _bytes = new byte[maxBytes];
            _chars = new char[maxBytes];
        }
        var count = Encoding.UTF8.GetBytes(word, _bytes);
        var table = ByteLevelAlphabet.ByteToChar;
        for (var i = 0; i < count; i++)
            _chars[i] = table[_bytes[i]];
        return _chars.AsSpan(0, count);
    }
}
