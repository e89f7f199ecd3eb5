namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json tokenizer (BPE: byte-level as in GPT-2, Llama 3 and Qwen, or
/// SentencePiece-style with byte fallback as in Llama 2 and Mistral). Encoding runs: added
/// tokens are cut out of the raw text, the rest is normalized, pre-tokenized into words, and
/// each word is BPE-encoded (cached). Thread-safe; build one per model and share it.
/// </summary>
public sealed partial class Tokenizer
{
    private readonly Normalizer? _normalizer;
    private readonly PreTokenizer[] _preTokenizers;
    private readonly bool _mapsToByteLevel;
    private readonly bool _splitsBeforeMetaspace;
    private readonly BpeModel _model;
    private readonly PostProcessor _postProcessor;
    private readonly TokenDecoder? _decoder;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;

    /// <summary>Largest id + 1, counting added tokens.</summary>
    public int VocabSize { get; }

    /// <summary>From tokenizer_config.json when present.</summary>
    public string? BosToken { get; }

    /// <summary>From tokenizer_config.json when present.</summary>
    public string? EosToken { get; }

    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 4);
        EncodeCore(text, output, addSpecialTokens);
        return [.. output];
    }

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        EncodeCore(text.ToString(), output, addSpecialTokens);
    }

    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedByContent.TryGetValue(token, out var added) ? added.Id : _model.TokenToId(token);
    }

    public string? IdToToken(int id)
    {
        if (_addedById.TryGetValue(id, out var added))
            return added.Content;
        var tokens = _model.IdToToken;
        return (uint)id < (uint)tokens.Length ? tokens[id] : null;
    }

    /// <summary>Whether <paramref name="id"/> is an added token marked special (skipped by skipSpecialTokens).</summary>
    public bool IsSpecial(int id) => _addedById.TryGetValue(id, out var added) && added.Special;

    private void EncodeCore(string text, List<int> output, bool addSpecialTokens)
    {
        if (addSpecialTokens)
            output.AddRange(_postProcessor.Prefix);
        if (_rawMatcher.IsEmpty)
        {
            EncodeSection(text, 0, text.Length, output);
        }
        else
        {
            var segments = EncodeScratch.Get().RawSegments;
            segments.Clear();
            _rawMatcher.Split(text, segments);
            foreach (var (start, end, id) in segments)
            {
                if (id >= 0)
                    output.Add(id);
                else
                    EncodeSection(text, start, end - start, output);
            }
        }
        if (addSpecialTokens)
            output.AddRange(_postProcessor.Suffix);
    }

    /// <summary>Text between added tokens: normalize, match normalized added tokens, pre-tokenize, BPE.</summary>
    private void EncodeSection(string text, int start, int length, List<int> output)
    {
        if (length == 0)
            return;
        var atInputStart = start == 0;
        if (_normalizer is not null)
        {
            text = _normalizer.Normalize(start == 0 && length == text.Length ? text : text.Substring(start, length));
            start = 0;
            length = text.Length;
        }
        if (_normalizedMatcher.IsEmpty)
        {
            EncodeWords(new Piece(text, start, length, atInputStart), output);
            return;
        }
        var segments = EncodeScratch.Get().NormalizedSegments;
        segments.Clear();
        _normalizedMatcher.Split(text.AsSpan(start, length), segments);
        foreach (var (segmentStart, segmentEnd, id) in segments)
        {
            if (id >= 0)
                output.Add(id);
            else
                EncodeWords(new Piece(text, start + segmentStart, segmentEnd - segmentStart, atInputStart && segmentStart == 0), output);
        }
    }

    private void EncodeWords(Piece section, List<int> output)
    {
        if (section.Length == 0)
            return;
        var scratch = EncodeScratch.Get();
        var pieces = scratch.PiecesA;
        var next = scratch.PiecesB;
        pieces.Clear();
        pieces.Add(section);
        foreach (var step in _preTokenizers)
        {
            next.Clear();
            step.Split(pieces, next);
            (pieces, next) = (next, pieces);
        }
        foreach (var piece in pieces)
        {
            if (_splitsBeforeMetaspace)
                EncodeMetaspaceWords(piece.Span, output);
            else
                _model.EncodeWord(piece.Span, _mapsToByteLevel, output);
        }
        pieces.Clear();
        next.Clear();
    }

    /// <summary>Encodes a piece cut before each ▁ that follows another character (see <see cref="BpeModel.SplitsBeforeMetaspace"/>).</summary>
    private void EncodeMetaspaceWords(ReadOnlySpan<char> piece, List<int> output)
    {
        var start = 0;
        for (var i = 1; i < piece.Length; i++)
        {
            if (piece[i] == BpeModel.Metaspace && piece[i - 1] != BpeModel.Metaspace)
            {
                _model.EncodeWord(piece[start..i], false, output);
                start = i;
            }
        }
        _model.EncodeWord(piece[start..], false, output);
    }
}
