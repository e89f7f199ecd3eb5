using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json: vocabulary, ranked merges, unknown-token and byte-fallback
/// rules. Encodes one pre-token word at a time, caching results per word (bounded).
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedWordLength = 256;
    private const int CacheCapacity = 200_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly BpeMerges _merges;
    private readonly int[] _byteTokens;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cacheEntries;

    private BpeModel(Dictionary<string, int> vocab, BpeMerges merges, int unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        _vocab = vocab;
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = merges;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteTokens = new int[256];
        for (var b = 0; b < 256; b++)
            _byteTokens[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        IdToToken = new string[vocab.Count == 0 ? 0 : vocab.Values.Max() + 1];
        foreach (var (token, id) in vocab)
            IdToToken[id] = token;
        SplitsBeforeMetaspace = vocab.ContainsKey(Metaspace.ToString()) && !vocab.Keys.Any(HasMetaspaceAfterOtherChar);
    }

    /// <summary>SentencePiece's word marker, U+2581.</summary>
    public const char Metaspace = '\u2581';

    /// <summary>
    /// True when no token has a ▁ right after another character (as in Llama 2 and Mistral, where
    /// ▁ only starts a token or repeats). Then no merge can join a word to the ▁ that follows it,
    /// so cutting before each such ▁ gives the same ids as BPE over the whole text, with short
    /// cacheable words instead of one long one when there is no pre-tokenizer.
    /// </summary>
    public bool SplitsBeforeMetaspace { get; }

    private static bool HasMetaspaceAfterOtherChar(string token)
    {
        for (var i = token.IndexOf(Metaspace, 1); i > 0; i = token.IndexOf(Metaspace, i + 1))
        {
            if (token[i - 1] != Metaspace)
                return true;
        }
        return false;
    }

    /// <summary>Token text by id; null where the vocabulary has a gap.</summary>
    public string?[] IdToToken { get; }

    public static BpeModel FromJson(JsonElement element, string path)
    {
        var type = JsonConfig.OptionalString(element, "type", path) ?? "BPE";
        if (type != "BPE")
            throw new TokenizerFormatException($"{path}.type '{type}' is not supported (only BPE)");
        if (element.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() != 0)
            throw new TokenizerFormatException($"{path}.dropout is not supported (inference needs deterministic BPE)");
        foreach (var name in (ReadOnlySpan<string>)["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (JsonConfig.OptionalString(element, name, path) is { Length: > 0 } value)
                throw new TokenizerFormatException($"{path}.{name} '{value}' is not supported");
        }

        var vocab = ReadVocab(JsonConfig.Required(element, "vocab", path), path + ".vocab");
        var merges = BpeMerges.FromJson(JsonConfig.Required(element, "merges", path), path + ".merges", vocab);
        var unkToken = JsonConfig.OptionalString(element, "unk_token", path);
        var unkId = -1;
        if (unkToken is not null && !vocab.TryGetValue(unkToken, out unkId))
            throw new TokenizerFormatException($"{path}.unk_token '{unkToken}' is not in the vocabulary");
        return new BpeModel(
            vocab,
            merges,
            unkId,
            JsonConfig.OptionalBool(element, "fuse_unk", path, false),
            JsonConfig.OptionalBool(element, "byte_fallback", path, false),
            JsonConfig.OptionalBool(element, "ignore_merges", path, false));
    }

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;

    /// <summary>
    /// Appends the ids of one pre-token word. With <paramref name="byteLevel"/> the word is first
    /// written in the byte-level alphabet; the cache is keyed by the word as given, so a hit
    /// skips that mapping too.
    /// </summary>
    public void EncodeWord(ReadOnlySpan<char> word, bool byteLevel, List<int> output)
    {
        if (word.IsEmpty)
            return;
        if (_cacheBySpan.TryGetValue(word, out var cached))
        {
            output.AddRange((ReadOnlySpan<int>)cached);
            return;
        }
        var start = output.Count;
        var modelWord = byteLevel ? EncodeScratch.Get().MapToByteLevel(word) : word;
        if (_ignoreMerges && _vocabBySpan.TryGetValue(modelWord, out var whole))
            output.Add(whole);
        else
            Merge(modelWord, output);
        if (word.Length <= MaxCachedWordLength)
        {
            // A full cache is dropped whole: cheaper than LRU bookkeeping on every hit, and the
            // working set of words refills it quickly.
            // (ConcurrentDictionary.Count takes every lock, so entries are counted here instead.)
            if (Interlocked.Increment(ref _cacheEntries) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheEntries, 1);
            }
            _cacheBySpan.TryAdd(word, CollectionsMarshal.AsSpan(output)[start..].ToArray());
        }
    }

    private void Merge(ReadOnlySpan<char> word, List<int> output)
    {
        var symbols = BpeWord.Rent(word.Length);
        var pendingUnk = -1;
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            var symbol = word.Slice(i, width);
            i += width;
            if (_vocabBySpan.TryGetValue(symbol, out var id))
            {
                FlushUnk(symbols, ref pendingUnk);
                symbols.Add(id);
                continue;
            }
            if (_byteFallback && TryAddBytes(symbol, symbols, ref pendingUnk))
                continue;
            if (_unkId >= 0)
            {
                // Hugging Face fuses consecutive unknown characters into one <unk> when fuse_unk is set.
                if (pendingUnk >= 0 && !_fuseUnk)
                    symbols.Add(_unkId);
                pendingUnk = _unkId;
            }
        }
        FlushUnk(symbols, ref pendingUnk);
        symbols.MergeAll(_merges);
        symbols.CopyTo(output);
    }

    private static void FlushUnk(BpeWord symbols, ref int pendingUnk)
    {
        if (pendingUnk >= 0)
            symbols.Add(pendingUnk);
        pendingUnk = -1;
    }

    private bool TryAddBytes(ReadOnlySpan<char> symbol, BpeWord symbols, ref int pendingUnk)
    {
        Span<byte> bytes = stackalloc byte[4];
        var count = Encoding.UTF8.GetBytes(symbol, bytes);
        for (var b = 0; b < count; b++)
        {
            if (_byteTokens[bytes[b]] < 0)
                return false;
        }
        FlushUnk(symbols, ref pendingUnk);
        for (var b = 0; b < count; b++)
            symbols.Add(_byteTokens[bytes[b]]);
        return true;
    }

    private static Dictionary<string, int> ReadVocab(JsonElement vocab, string path)
    {
        if (vocab.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{path} must be an object of token to id");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                throw new TokenizerFormatException($"{path}['{entry.Name}'] must be a non-negative integer id");
            result[entry.Name] = id;
        }
        return result;
    }
}
