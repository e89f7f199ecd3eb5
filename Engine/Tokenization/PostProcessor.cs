using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// The special ids a post-processor puts around a single sequence when special tokens are
/// requested (BOS/EOS from TemplateProcessing, CLS/SEP from Bert/Roberta). ByteLevel only
/// trims offsets, which ids do not carry, so it adds nothing.
/// </summary>
internal sealed class PostProcessor
{
    public static readonly PostProcessor None = new([], []);

    private PostProcessor(int[] prefix, int[] suffix)
    {
        Prefix = prefix;
        Suffix = suffix;
    }

    public int[] Prefix { get; }

    public int[] Suffix { get; }

    public static PostProcessor FromJson(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Null)
            return None;
        var type = JsonConfig.Type(element, path);
        switch (type)
        {
            case "ByteLevel":
                return None;
            case "TemplateProcessing":
                return FromTemplate(element, path);
            case "BertProcessing":
            case "RobertaProcessing":
                return new PostProcessor([SpecialId(element, "cls", path)], [SpecialId(element, "sep", path)]);
            case "Sequence":
                {
                    var result = None;
                    var index = 0;
                    foreach (var item in JsonConfig.Array(element, "processors", path))
                    {
                        var processor = FromJson(item, $"{path}.processors[{index++}]");
                        if (processor.Prefix.Length + processor.Suffix.Length == 0)
                            continue;
                        if (result.Prefix.Length + result.Suffix.Length > 0)
                            throw new TokenizerFormatException($"{path}.processors has more than one processor that adds tokens");
                        result = processor;
                    }
                    return result;
                }
            default:
                throw new TokenizerFormatException($"{path}.type '{type}' is not supported");
        }
    }

    private static PostProcessor FromTemplate(JsonElement element, string path)
    {
        var specials = JsonConfig.Required(element, "special_tokens", path);
        var prefix = new List<int>();
        var suffix = new List<int>();
        var seenSequence = false;
        var index = 0;
        foreach (var item in JsonConfig.Array(element, "single", path))
        {
            var itemPath = $"{path}.single[{index++}]";
            if (item.TryGetProperty("Sequence", out var sequence))
            {
                var name = JsonConfig.RequiredString(sequence, "id", itemPath + ".Sequence");
                if (name != "A" || seenSequence)
                    throw new TokenizerFormatException($"{itemPath}.Sequence.id '{name}' is not supported in a single-sequence template");
                seenSequence = true;
            }
            else if (item.TryGetProperty("SpecialToken", out var special))
            {
                var name = JsonConfig.RequiredString(special, "id", itemPath + ".SpecialToken");
                var entry = specials.ValueKind == JsonValueKind.Object && specials.TryGetProperty(name, out var e)
                    ? e
                    : throw new TokenizerFormatException($"{itemPath}.SpecialToken '{name}' is not in {path}.special_tokens");
                foreach (var id in JsonConfig.Array(entry, "ids", $"{path}.special_tokens['{name}']"))
                {
                    if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out var value))
                        throw new TokenizerFormatException($"{path}.special_tokens['{name}'].ids must hold integers");
                    (seenSequence ? suffix : prefix).Add(value);
                }
            }
            else
            {
                throw new TokenizerFormatException($"{itemPath} must be a Sequence or a SpecialToken");
            }
        }
        if (!seenSequence)
            throw new TokenizerFormatException($"{path}.single has no Sequence 'A'");
        return new PostProcessor([.. prefix], [.. suffix]);
    }

    private static int SpecialId(JsonElement element, string name, string path)
    {
        var pair = JsonConfig.Required(element, name, path);
        if (pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2 && pair[1].TryGetInt32(out var id))
            return id;
        throw new TokenizerFormatException($"{path}.{name} must be [token, id]");
    }
}
