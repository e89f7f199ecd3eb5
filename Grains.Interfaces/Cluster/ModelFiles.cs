namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// The files of a model folder that a gateway needs to render and tokenize prompts for it (not the weights):
/// tokenizer.json and, where the folder has them, tokenizer_config.json, the chat template and
/// generation_config.json (request sampling defaults). Keyed by <see cref="ModelKey"/>.
/// </summary>
public sealed record ModelFiles(ModelKey Key, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Files)
{
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>
    /// Every name a store accepts, in the order the loaders look for them. A closed list, so a name from the
    /// store never becomes a path outside the folder it is written to.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } =
        [TokenizerFile, "tokenizer_config.json", "chat_template.jinja", "chat_template.json", "generation_config.json"];

    public static bool IsKnownName(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>Bytes in all files (tokenizer.json alone is ~11 MB for Qwen3).</summary>
    public long NumBytes
    {
        get
        {
            long total = 0;
            foreach (var file in Files.Values) total += file.Length;
            return total;
        }
    }
}
