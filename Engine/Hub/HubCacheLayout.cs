namespace DynamoOrleans.Engine.Hub;

/// <summary>
/// The Hugging Face cache layout for one model repository:
/// <c>models--{org}--{name}/blobs/{etag}</c> holds each file once, <c>snapshots/{commit}/{path}</c>
/// links to the blob, and <c>refs/{revision}</c> names the commit a branch or tag pointed at.
/// </summary>
public sealed class HubCacheLayout
{
    public HubCacheLayout(string cacheDirectory, string repoId)
    {
        RepoId = repoId;
        RepoDirectory = Path.Combine(cacheDirectory, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
    }

    public string RepoId { get; }

    public string RepoDirectory { get; }

    public string BlobsDirectory => Path.Combine(RepoDirectory, "blobs");

    public string BlobPath(string etag) => Path.Combine(BlobsDirectory, etag);

    /// <summary>A partial download; its length is where a resumed download starts.</summary>
    public string IncompleteBlobPath(string etag) => BlobPath(etag) + ".incomplete";

    public string SnapshotDirectory(string commit) => Path.Combine(RepoDirectory, "snapshots", commit);

    public string RefPath(string revision) => Path.Combine(RepoDirectory, "refs", revision);

    /// <summary>The commit a revision resolved to last time, when it is cached.</summary>
    public string? ReadRef(string revision)
    {
        if (IsCommitHash(revision))
            return revision;
        var path = RefPath(revision);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    public void WriteRef(string revision, string commit)
    {
        if (revision == commit)
            return;
        var path = RefPath(revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, commit);
    }

    /// <summary>Points the snapshot entry at its blob with a relative link, as huggingface_hub does; copies where links are refused.</summary>
    public void LinkSnapshotFile(string commit, string relativePath, string etag)
    {
        var target = Path.Combine(SnapshotDirectory(commit), relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (File.Exists(target) || Directory.Exists(target))
            File.Delete(target);
        var blob = BlobPath(etag);
        var relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, blob);
        try
        {
            File.CreateSymbolicLink(target, relative);
        }
        catch (IOException)
        {
            File.Copy(blob, target);
        }
        catch (UnauthorizedAccessException)
        {
            File.Copy(blob, target);
        }
    }

    public static bool IsCommitHash(string revision) =>
        revision.Length == 40 && revision.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
}
