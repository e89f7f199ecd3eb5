using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace DynamoOrleans.Engine.Hub;

/// <summary>Bytes of one file fetched so far; <see cref="TotalBytes"/> is null when the server does not say.</summary>
public readonly record struct DownloadProgress(string File, long Bytes, long? TotalBytes);

/// <summary>
/// Fetches a model repository's serving files into the Hugging Face cache layout, resuming partial
/// downloads. Speaks the Hub's HTTP protocol: <c>/api/models/{repo}/revision/{rev}</c> lists the files,
/// <c>/{repo}/resolve/{commit}/{file}</c> serves each one, large files through a redirect whose first
/// response carries <c>X-Linked-Etag</c> and <c>X-Linked-Size</c>.
/// </summary>
public sealed class HubDownloader : IDisposable
{
    private const int MaxRedirects = 8;
    private readonly HubOptions _options;
    private readonly HttpClient _http;
    private readonly IProgress<DownloadProgress>? _progress;

    public HubDownloader(HubOptions options, IProgress<DownloadProgress>? progress = null, HttpMessageHandler? handler = null)
    {
        _options = options;
        _progress = progress;
        // Redirects are followed by hand: the first hop carries the LFS etag, and the token must not follow a CDN hop.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("dynamo-orleans/0.1");
    }

    /// <summary>Downloads what serving needs and returns the snapshot folder, which reads like a local model folder.</summary>
    public async Task<string> DownloadSnapshotAsync(string repoId, string revision = "main", CancellationToken cancellationToken = default)
    {
        ModelLocator.ValidateRepoId(repoId);
        var layout = new HubCacheLayout(_options.CacheDirectory, repoId);
        if (_options.Offline)
            return CachedSnapshot(layout, revision) ?? throw new HubException($"{repoId}@{revision} is not in the cache {_options.CacheDirectory} and HF_HUB_OFFLINE is set");

        RepoInfo info;
        try
        {
            info = await GetRepoInfoAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (CachedSnapshot(layout, revision) is { } cached)
        {
            _ = e; // The Hub is unreachable but a complete snapshot is cached: serve it, as huggingface_hub does.
            return cached;
        }

        var files = info.Files.Where(ModelFilePatterns.IsServingFile).ToList();
        if (!files.Any(f => f.EndsWith(".safetensors", StringComparison.Ordinal)))
            throw new HubException($"{repoId}@{revision} has no *.safetensors weights (found: {string.Join(", ", info.Files.Take(20))})");

        foreach (var file in files)
            await DownloadFileAsync(layout, info.Commit, file, cancellationToken).ConfigureAwait(false);
        layout.WriteRef(revision, info.Commit);
        File.WriteAllText(Path.Combine(layout.SnapshotDirectory(info.Commit), ModelFilePatterns.CompleteMarker), string.Join('\n', files));
        return layout.SnapshotDirectory(info.Commit);
    }

    private static string? CachedSnapshot(HubCacheLayout layout, string revision)
    {
        var commit = layout.ReadRef(revision);
        if (commit is null)
            return null;
        var snapshot = layout.SnapshotDirectory(commit);
        return File.Exists(Path.Combine(snapshot, ModelFilePatterns.CompleteMarker)) ? snapshot : null;
    }

    private sealed record RepoInfo(string Commit, IReadOnlyList<string> Files);

    private async Task<RepoInfo> GetRepoInfoAsync(string repoId, string revision, CancellationToken cancellationToken)
    {
        var url = new Uri($"{_options.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        using var response = await SendAsync(HttpMethod.Get, url, null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var json = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = json.RootElement;
        var commit = root.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
        if (string.IsNullOrEmpty(commit))
            throw new HubException($"the Hub's answer for {repoId}@{revision} has no commit sha");
        var files = new List<string>();
        if (root.TryGetProperty("siblings", out var siblings))
            foreach (var sibling in siblings.EnumerateArray())
                if (sibling.TryGetProperty("rfilename", out var name) && name.GetString() is { Length: > 0 } file)
                    files.Add(file);
        return new RepoInfo(commit, files);
    }

    private async Task DownloadFileAsync(HubCacheLayout layout, string commit, string file, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(layout.SnapshotDirectory(commit), file)))
            return;
        var url = new Uri($"{_options.Endpoint}/{layout.RepoId}/resolve/{commit}/{EscapePath(file)}");
        var (etag, size) = await HeadAsync(url, file, cancellationToken).ConfigureAwait(false);
        var blob = layout.BlobPath(etag);
        if (!File.Exists(blob))
            await DownloadBlobAsync(layout, url, file, etag, size, cancellationToken).ConfigureAwait(false);
        layout.LinkSnapshotFile(commit, file, etag);
    }

    private async Task<(string Etag, long? Size)> HeadAsync(Uri url, string file, CancellationToken cancellationToken)
    {
        for (var hop = 0; hop < MaxRedirects; hop++)
        {
            using var request = NewRequest(HttpMethod.Head, url, authorize: true);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var linkedEtag = Header(response, "X-Linked-Etag");
            if (IsRedirect(response.StatusCode) && linkedEtag is null && response.Headers.Location is { } next)
            {
                url = new Uri(url, next);
                continue;
            }
            if (!IsRedirect(response.StatusCode))
                ThrowIfFailed(response, file);
            var etag = linkedEtag ?? response.Headers.ETag?.Tag ?? Header(response, "ETag")
                ?? throw new HubException($"the Hub sent no ETag for {file}");
            var size = long.TryParse(Header(response, "X-Linked-Size"), out var linked) ? linked : response.Content.Headers.ContentLength;
            return (NormalizeEtag(etag), size);
        }
        throw new HubException($"too many redirects for {file}");
    }

    private async Task DownloadBlobAsync(HubCacheLayout layout, Uri url, string file, string etag, long? size, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.BlobsDirectory);
        var partial = layout.IncompleteBlobPath(etag);
        var resumeFrom = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var response = await SendAsync(HttpMethod.Get, url, resumeFrom > 0 ? resumeFrom : null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.PartialContent)
            resumeFrom = 0; // the server ignored the range: start over
        await using (var output = new FileStream(partial, resumeFrom > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            var buffer = new byte[1 << 20];
            var written = resumeFrom;
            var lastReport = 0L;
            _progress?.Report(new DownloadProgress(file, written, size));
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                if (written - lastReport >= 4 << 20)
                {
                    lastReport = written;
                    _progress?.Report(new DownloadProgress(file, written, size));
                }
            }
            _progress?.Report(new DownloadProgress(file, written, size));
            if (size is { } expected && written != expected)
                throw new HubException($"{file}: received {written} of {expected} bytes; run again to resume");
        }
        File.Move(partial, layout.BlobPath(etag), overwrite: true);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long? rangeStart, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var authorize = true;
        for (var hop = 0; hop < MaxRedirects; hop++)
        {
            using var request = NewRequest(method, url, authorize);
            if (rangeStart is { } start)
                request.Headers.Range = new RangeHeaderValue(start, null);
            var response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } next)
            {
                var target = new Uri(url, next);
                authorize &= target.Host == url.Host; // never hand the token to a CDN
                url = target;
                response.Dispose();
                continue;
            }
            try
            {
                ThrowIfFailed(response, url.AbsolutePath);
            }
            catch
            {
                response.Dispose();
                throw;
            }
            return response;
        }
        throw new HubException($"too many redirects for {url}");
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri url, bool authorize)
    {
        var request = new HttpRequestMessage(method, url);
        if (authorize && _options.Token is { } token)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static void ThrowIfFailed(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode)
            return;
        throw response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new HubException($"{what}: access denied ({(int)response.StatusCode}); the repository is gated or private: set HF_TOKEN"),
            HttpStatusCode.NotFound => new HubException($"{what}: not found on the Hub (404); check the model id and revision"),
            _ => new HttpRequestException($"{what}: the Hub answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode),
        };
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string NormalizeEtag(string etag) => etag.Replace("W/", "", StringComparison.Ordinal).Trim('"');

    private static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    public void Dispose() => _http.Dispose();
}
