namespace DynamoOrleans.Engine.Hub;

/// <summary>Which files of a repository serving needs: weights as safetensors, configs, tokenizer and chat template.</summary>
public static class ModelFilePatterns
{
    /// <summary>Written last into a snapshot folder, so a half-fetched snapshot is never taken for a whole one.</summary>
    public const string CompleteMarker = ".dynamo-complete";

    private static readonly string[] ExactNames =
    [
        "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "chat_template.jinja", "chat_template.json", "model.safetensors.index.json",
    ];

    public static bool IsServingFile(string path)
    {
        if (path.Contains('/', StringComparison.Ordinal))
            return false; // subfolders hold other formats (onnx/, original/, gguf variants)
        return ExactNames.Contains(path, StringComparer.Ordinal) || path.EndsWith(".safetensors", StringComparison.Ordinal);
    }
}
