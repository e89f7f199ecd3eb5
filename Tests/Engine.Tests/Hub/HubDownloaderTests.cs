using DynamoOrleans.Engine.Hub;

namespace DynamoOrleans.Engine.Tests.Hub;

public sealed class HubDownloaderTests : IAsyncLifetime, IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("hub-cache-").FullName;
    private FakeHubServer _hub = null!;

    public async Task InitializeAsync() => _hub = await FakeHubServer.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    private HubOptions Options(string? token = null, bool offline = false) =>
        HubOptions.FromVariables(name => name switch
        {
            "HF_HOME" => _cache,
            "HF_ENDPOINT" => _hub.Endpoint,
            "HF_TOKEN" => token,
            "HF_HUB_OFFLINE" => offline ? "1" : null,
            _ => null,
        });

    [Fact]
    public async Task DownloadSnapshot_FreshCache_WritesHubLayoutWithServingFilesOnly()
    {
        using var downloader = new HubDownloader(Options());
        var snapshot = await downloader.DownloadSnapshotAsync(_hub.RepoId);

        var repo = Path.Combine(_cache, "hub", "models--acme--tiny-model");
        Assert.Equal(Path.Combine(repo, "snapshots", FakeHubServer.Commit), snapshot);
        Assert.Equal(FakeHubServer.Commit, File.ReadAllText(Path.Combine(repo, "refs", "main")));
        var weights = new FileInfo(Path.Combine(snapshot, "model.safetensors"));
        Assert.Equal(Path.Combine("..", "..", "blobs", FakeHubServer.Etag(_hub.Files["model.safetensors"])), weights.LinkTarget);
        Assert.Equal(_hub.Files["model.safetensors"], File.ReadAllBytes(weights.FullName));
        Assert.Equal(_hub.Files["config.json"], File.ReadAllBytes(Path.Combine(snapshot, "config.json")));
        Assert.False(File.Exists(Path.Combine(snapshot, "README.md")));
        Assert.False(Directory.Exists(Path.Combine(snapshot, "onnx")));
    }

    [Fact]
    public async Task DownloadSnapshot_ConnectionCutMidFile_SecondRunResumesWithRange()
    {
        _hub.CutNextDownloadAfter = 1 << 20;
        using (var first = new HubDownloader(Options()))
            await Assert.ThrowsAnyAsync<Exception>(() => first.DownloadSnapshotAsync(_hub.RepoId));

        // How much arrives before the reset depends on socket buffers; the resume must start exactly there.
        var partial = Directory.GetFiles(Path.Combine(_cache, "hub", "models--acme--tiny-model", "blobs"), "*.incomplete").Single();
        var received = new FileInfo(partial).Length;
        Assert.InRange(received, 1, _hub.Files["model.safetensors"].Length - 1);

        using var second = new HubDownloader(Options());
        var snapshot = await second.DownloadSnapshotAsync(_hub.RepoId);

        Assert.Contains($"bytes={received}-", _hub.RangeHeaders);
        Assert.Equal(_hub.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task DownloadSnapshot_GatedRepoWithoutToken_SaysToSetHfToken()
    {
        _hub.RequiredToken = "hf_secret";
        using var downloader = new HubDownloader(Options());
        var error = await Assert.ThrowsAsync<HubException>(() => downloader.DownloadSnapshotAsync(_hub.RepoId));
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadSnapshot_GatedRepoWithToken_SendsItToTheHubButNotToTheCdn()
    {
        _hub.RequiredToken = "hf_secret";
        using var downloader = new HubDownloader(Options(token: "hf_secret"));
        await downloader.DownloadSnapshotAsync(_hub.RepoId);
        Assert.NotEmpty(_hub.CdnAuthorizationHeaders);
        Assert.All(_hub.CdnAuthorizationHeaders, header => Assert.Equal("", header));
    }

    [Fact]
    public async Task DownloadSnapshot_ReportsProgressUpToTheFileSize()
    {
        var reports = new List<DownloadProgress>();
        using var downloader = new HubDownloader(Options(), new SynchronousProgress(reports.Add));
        await downloader.DownloadSnapshotAsync(_hub.RepoId);
        var last = reports.Last(r => r.File == "model.safetensors");
        Assert.Equal(_hub.Files["model.safetensors"].Length, last.Bytes);
        Assert.Equal(last.Bytes, last.TotalBytes);
    }

    [Fact]
    public async Task ResolveAsync_OfflineAfterDownload_ServesTheCachedSnapshot()
    {
        var online = await ModelLocator.ResolveAsync(_hub.RepoId, Options());
        var offline = await ModelLocator.ResolveAsync(_hub.RepoId, Options(offline: true));
        Assert.Equal(online, offline);
    }

    [Fact]
    public async Task ResolveAsync_OfflineWithEmptyCache_FailsClearly()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => ModelLocator.ResolveAsync(_hub.RepoId, Options(offline: true)));
        Assert.Contains("HF_HUB_OFFLINE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_UnknownRepo_Says404()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => ModelLocator.ResolveAsync("acme/missing", Options()));
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("no-slash")]
    [InlineData("a/b/c")]
    public async Task ResolveAsync_NeitherFolderNorRepoId_Throws(string model) =>
        await Assert.ThrowsAsync<HubException>(() => ModelLocator.ResolveAsync(model, Options()));

    private sealed class SynchronousProgress(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
