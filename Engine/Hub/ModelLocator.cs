using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Hub;

/// <summary>Turns a <c>--model</c> argument into a local model folder: an existing folder as it is, a Hub id through the cache.</summary>
public static partial class ModelLocator
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepoIdPattern();

    public static bool IsRepoId(string model) => RepoIdPattern().IsMatch(model) && !model.Contains("..", StringComparison.Ordinal);

    public static void ValidateRepoId(string repoId)
    {
        if (!IsRepoId(repoId))
            throw new HubException($"'{repoId}' is not a Hub model id of the form org/name");
    }

    /// <summary>
    /// A folder that exists wins over a Hub id of the same spelling. <paramref name="model"/> may end
    /// in <c>@revision</c> to pin a branch, tag or commit.
    /// </summary>
    public static async Task<string> ResolveAsync(string model, HubOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(model))
            return Path.GetFullPath(model);
        var at = model.LastIndexOf('@');
        var (repoId, revision) = at > 0 ? (model[..at], model[(at + 1)..]) : (model, "main");
        if (!IsRepoId(repoId))
            throw new HubException($"--model '{model}' is neither a folder nor a Hub id (org/name)");
        using var downloader = new HubDownloader(options, progress);
        return await downloader.DownloadSnapshotAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
    }
}
