using System.Security.Cryptography;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// Between a model folder and <see cref="ModelFiles"/>: a silo reads its folder's preprocessing files to publish
/// them, a gateway writes fetched ones into a folder of its own and loads the tokenizer and chat template from
/// there with the same loaders <c>--model-dir</c> uses, so both paths preprocess alike.
/// </summary>
public static class ModelFolderFiles
{
    /// <summary>SHA-256 of tokenizer.json (hex): the same file gives the same token ids.</summary>
    public static string TokenizerDigest(ReadOnlySpan<byte> tokenizerJson) => Convert.ToHexStringLower(SHA256.HashData(tokenizerJson));

    /// <summary>The files of <paramref name="folder"/> a gateway needs (those present), keyed by <paramref name="model"/> and the tokenizer's digest.</summary>
    public static ModelFiles Read(string folder, string model)
    {
        var files = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var name in ModelFiles.Names)
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path)) files[name] = File.ReadAllBytes(path);
        }
        if (!files.TryGetValue(ModelFiles.TokenizerFile, out var tokenizer))
            throw new FileNotFoundException($"{folder} has no {ModelFiles.TokenizerFile}", Path.Combine(folder, ModelFiles.TokenizerFile));
        return new ModelFiles(new ModelKey(model, TokenizerDigest(tokenizer.Span)), files);
    }

    /// <summary>
    /// Writes <paramref name="files"/> into a new folder under <paramref name="root"/> and returns it. Refuses files
    /// whose tokenizer.json does not hash to their key's digest: the gateway would tokenize differently from the
    /// workers it routes to.
    /// </summary>
    public static string WriteTo(ModelFiles files, string root)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!files.Files.TryGetValue(ModelFiles.TokenizerFile, out var tokenizer))
            throw new InvalidDataException($"the files of {files.Key} have no {ModelFiles.TokenizerFile}");
        var digest = TokenizerDigest(tokenizer.Span);
        if (!string.Equals(digest, files.Key.TokenizerDigest, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"the {ModelFiles.TokenizerFile} stored for {files.Key} hashes to {digest}, not to its key's digest");
        var folder = Directory.CreateDirectory(Path.Combine(root, $"{Sanitize(files.Key.Model)}-{digest[..16]}-{Guid.NewGuid():N}")).FullName;
        foreach (var (name, bytes) in files.Files)
        {
            // The names come from a closed list, but they arrive over the network: check again before they become paths.
            if (!ModelFiles.IsKnownName(name)) continue;
            File.WriteAllBytes(Path.Combine(folder, name), bytes.ToArray());
        }
        return folder;
    }

    private static string Sanitize(string model)
    {
        Span<char> chars = stackalloc char[Math.Min(model.Length, 64)];
        for (var i = 0; i < chars.Length; i++) chars[i] = char.IsAsciiLetterOrDigit(model[i]) || model[i] is '-' or '.' or '_' ? model[i] : '_';
        return new string(chars);
    }
}
