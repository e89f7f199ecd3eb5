using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Engine.Tests.Hub;

/// <summary>
/// A Kestrel server on loopback that answers the way the Hugging Face Hub does: the revision API,
/// <c>resolve</c> URLs with ETag and X-Repo-Commit, large files through a 302 to a CDN path with
/// X-Linked-Etag/X-Linked-Size, byte ranges, and a bearer token for gated repositories.
/// </summary>
public sealed class FakeHubServer : IAsyncDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly WebApplication _app;
    private readonly Dictionary<string, byte[]> _files;
    private readonly HashSet<string> _largeFiles;

    private FakeHubServer(WebApplication app, Dictionary<string, byte[]> files, HashSet<string> largeFiles)
    {
        _app = app;
        _files = files;
        _largeFiles = largeFiles;
    }

    public string Endpoint { get; private set; } = "";

    public string RepoId { get; } = "acme/tiny-model";

    /// <summary>When set, every request for the repository must carry it as a bearer token.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>The next GET of a large file sends this many bytes, then drops the connection.</summary>
    public int? CutNextDownloadAfter { get; set; }

    public ConcurrentQueue<string> RangeHeaders { get; } = new();

    public ConcurrentQueue<string> CdnAuthorizationHeaders { get; } = new();

    public IReadOnlyDictionary<string, byte[]> Files => _files;

    public static string Etag(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static async Task<FakeHubServer> StartAsync()
    {
        var random = new Random(7);
        var weights = new byte[3 << 20];
        random.NextBytes(weights);
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = """{"architectures":["LlamaForCausalLM"]}"""u8.ToArray(),
            ["tokenizer.json"] = """{"version":"1.0"}"""u8.ToArray(),
            ["model.safetensors"] = weights,
            ["README.md"] = "# not needed for serving"u8.ToArray(),
            ["onnx/model.onnx"] = [1, 2, 3],
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeHubServer(app, files, ["model.safetensors"]);
        app.MapGet("/api/models/{org}/{name}/revision/{revision}", server.RepoInfo);
        app.MapMethods("/{org}/{name}/resolve/{revision}/{**path}", ["GET", "HEAD"], server.Resolve);
        app.MapGet("/cdn/{etag}", server.Cdn);
        await app.StartAsync();
        server.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    private bool Authorized(HttpContext context) =>
        RequiredToken is null || context.Request.Headers.Authorization == $"Bearer {RequiredToken}";

    private IResult RepoInfo(HttpContext context, string org, string name, string revision)
    {
        if (!Authorized(context))
            return Results.StatusCode(401);
        if ($"{org}/{name}" != RepoId)
            return Results.NotFound();
        var siblings = _files.Keys.Select(f => new { rfilename = f });
        return Results.Json(new { id = RepoId, sha = Commit, siblings });
    }

    private async Task Resolve(HttpContext context, string org, string name, string revision, string path)
    {
        if (!Authorized(context))
        {
            context.Response.StatusCode = 401;
            return;
        }
        if ($"{org}/{name}" != RepoId || !_files.TryGetValue(path, out var data))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.Headers["X-Repo-Commit"] = Commit;
        var etag = Etag(data);
        if (_largeFiles.Contains(path))
        {
            context.Response.Headers["X-Linked-Etag"] = $"\"{etag}\"";
            context.Response.Headers["X-Linked-Size"] = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Another host name for the same loopback server, as the real Hub hands LFS files to a CDN host.
            var cdn = new UriBuilder(Endpoint) { Host = "localhost" }.Uri;
            context.Response.Redirect(new Uri(cdn, $"/cdn/{etag}").ToString());
            return;
        }
        context.Response.Headers.ETag = $"\"{etag[..16]}\"";
        context.Response.ContentLength = data.Length;
        if (HttpMethods.IsGet(context.Request.Method))
            await context.Response.Body.WriteAsync(data);
    }

    private async Task Cdn(HttpContext context, string etag)
    {
        CdnAuthorizationHeaders.Enqueue(context.Request.Headers.Authorization.ToString());
        var data = _files.Values.First(d => Etag(d) == etag);
        var start = 0;
        if (context.Request.Headers.Range is { Count: > 0 } range)
        {
            RangeHeaders.Enqueue(range.ToString());
            start = int.Parse(range.ToString()["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{data.Length - 1}/{data.Length}";
        }
        context.Response.ContentLength = data.Length - start;
        if (CutNextDownloadAfter is { } cut)
        {
            CutNextDownloadAfter = null;
            await context.Response.Body.WriteAsync(data.AsMemory(start, cut));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(data.AsMemory(start));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
