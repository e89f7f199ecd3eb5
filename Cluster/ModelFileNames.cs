using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster;

/// <summary>The checks both stores make before they accept a publish.</summary>
internal static class ModelFileNames
{
    public static void CheckAll(ModelFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (string.IsNullOrEmpty(files.Key.Model) || string.IsNullOrEmpty(files.Key.TokenizerDigest))
            throw new ArgumentException("model files need a model name and a tokenizer digest", nameof(files));
        if (!files.Files.ContainsKey(ModelFiles.TokenizerFile))
            throw new ArgumentException($"model files for {files.Key} have no {ModelFiles.TokenizerFile}", nameof(files));
        foreach (var name in files.Files.Keys)
            if (!ModelFiles.IsKnownName(name))
                throw new ArgumentException($"'{name}' is not a model file a gateway reads (expected one of {string.Join(", ", ModelFiles.Names)})", nameof(files));
    }
}
