using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>Builds small tokenizer.json documents in code, to test one component at a time.</summary>
internal sealed class TinyTokenizer
{
    private readonly JsonObject _model;
    private readonly JsonObject _root;

    /// <summary>A BPE over <paramref name="tokens"/> (ids in order) and <paramref name="merges"/> ("a b").</summary>
    public TinyTokenizer(IEnumerable<string> tokens, params string[] merges)
    {
        var vocab = new JsonObject();
        var id = 0;
        foreach (var token in tokens)
            vocab[token] = id++;
        _model = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = vocab,
            ["merges"] = new JsonArray([.. merges.Select(m => (JsonNode)JsonValue.Create(m))]),
        };
        _root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = null,
            ["post_processor"] = null,
            ["decoder"] = null,
            ["model"] = _model,
        };
    }

    /// <summary>Single characters a–z and space, for tests that do not care about the vocabulary.</summary>
    public static IEnumerable<string> Letters => [.. Enumerable.Range('a', 26).Select(c => ((char)c).ToString()), " "];

    public TinyTokenizer With(string component, string json)
    {
        _root[component] = JsonNode.Parse(json);
        return this;
    }

    public TinyTokenizer WithModel(string property, JsonNode? value)
    {
        _model[property] = value;
        return this;
    }

    public TinyTokenizer WithAdded(int id, string content, bool special = true, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false)
    {
        _root["added_tokens"]!.AsArray().Add(new JsonObject
        {
            ["id"] = id,
            ["content"] = content,
            ["single_word"] = singleWord,
            ["lstrip"] = lstrip,
            ["rstrip"] = rstrip,
            ["normalized"] = normalized,
            ["special"] = special,
        });
        return this;
    }

    public string Json => _root.ToJsonString();

    public Tokenizer Build() => Tokenizer.FromJson(Json);
}
