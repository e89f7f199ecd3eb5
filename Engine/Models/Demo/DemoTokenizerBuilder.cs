using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Models.Demo;

/// <summary>
/// Builds the demo model's tokenizer: byte-level BPE in Qwen's format (NFC, the Qwen split regex,
/// ByteLevel), with merges learned at build time from a small embedded English corpus, and Qwen3's
/// special tokens and chat template. It exercises every path a real tokenizer does, in a few KB.
/// </summary>
public static partial class DemoTokenizerBuilder
{
    /// <summary>The split regex of Qwen2/Qwen3's tokenizer.json, kept identical so the demo pre-tokenizes as they do.</summary>
    public const string SplitPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Added tokens in id order after the BPE vocabulary; the first three are special.</summary>
    public static readonly string[] AddedTokens =
        ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>", "</think>", "<tool_response>", "</tool_response>"];

    private const int NumSpecialTokens = 3;

    [GeneratedRegex(SplitPattern)]
    private static partial Regex Split();

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c>; returns the vocabulary size including added tokens.</summary>
    public static int Write(string directory, int numMerges)
    {
        var byteToChar = Array.ConvertAll(ByteLevelAlphabet.ByteToChar, c => c.ToString());
        var (vocab, merges) = Train(ReadResource("demo_corpus.txt"), numMerges, byteToChar);

        var vocabJson = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(p => p.Value))
            vocabJson[token] = id;
        var added = new JsonArray();
        for (var i = 0; i < AddedTokens.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = vocab.Count + i, ["content"] = AddedTokens[i], ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = i < NumSpecialTokens,
            });
        }
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = SplitPattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    byteLevel.DeepClone()),
            },
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocabJson,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), tokenizer.ToJsonString());

        var config = new JsonObject
        {
            ["tokenizer_class"] = "Qwen2Tokenizer",
            ["add_bos_token"] = false,
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["model_max_length"] = 4096,
            ["chat_template"] = ReadResource("demo_chat_template.jinja"),
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString());
        return vocab.Count + AddedTokens.Length;
    }

    /// <summary>Id of an added token in a tokenizer built with <paramref name="bpeVocabSize"/> BPE entries.</summary>
    public static int AddedTokenId(int bpeVocabSize, string token) => bpeVocabSize + Array.IndexOf(AddedTokens, token);

    private readonly record struct Merge(string Left, string Right);

    /// <summary>Classic BPE training: repeatedly merge the most frequent adjacent pair, ties broken by the pair's text for determinism.</summary>
    private static (Dictionary<string, int> Vocab, List<Merge> Merges) Train(string corpus, int numMerges, string[] byteToChar)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < 256; b++)
            vocab[byteToChar[b]] = b;

        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in Split().Matches(corpus.Normalize(NormalizationForm.FormC)))
        {
            var word = string.Concat(Encoding.UTF8.GetBytes(match.Value).Select(b => byteToChar[b]));
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
        }
        var words = wordCounts.Select(p => (Symbols: p.Key.EnumerateRunes().Select(r => r.ToString()).ToList(), Count: p.Value)).ToList();

        var merges = new List<Merge>();
        while (merges.Count < numMerges)
        {
            var pairCounts = new Dictionary<Merge, int>();
            foreach (var (symbols, count) in words)
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = new Merge(symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            if (pairCounts.Count == 0)
                break;
            var best = pairCounts.MaxBy(p => (p.Value, Key: -Comparer(p.Key))).Key;
            if (pairCounts[best] < 2)
                break;
            merges.Add(best);
            var merged = best.Left + best.Right;
            vocab.TryAdd(merged, vocab.Count);
            foreach (var (symbols, _) in words)
                for (var i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == best.Left && symbols[i + 1] == best.Right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return (vocab, merges);
    }

    // Deterministic tie-break: a stable hash of the pair text (string.GetHashCode is randomized per process).
    private static long Comparer(Merge merge)
    {
        var hash = 1469598103934665603UL;
        foreach (var c in merge.Left + "\u0001" + merge.Right)
            hash = (hash ^ c) * 1099511628211UL;
        return (long)(hash >> 1);
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(DemoTokenizerBuilder).Assembly.GetManifestResourceStream($"DynamoOrleans.Engine.Models.Demo.{name}")
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
