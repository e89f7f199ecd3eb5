using System.Diagnostics;

namespace DynamoOrleans.Gateway.Tests.Fakes;

/// <summary>The npm <c>openai</c> package, installed once into a cache folder, and node processes run beside it.</summary>
public static class NodeOpenAi
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string CacheDir => Path.Combine(Path.GetTempPath(), "dynamo-gateway-tests-node");

    /// <summary>A folder whose <c>node_modules</c> holds <c>openai</c>; scripts copied into it can import the package.</summary>
    public static async Task<string> EnsurePackageAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            var dir = CacheDir;
            if (File.Exists(Path.Combine(dir, "node_modules", "openai", "package.json"))) return dir;
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), """{"name":"gateway-tests","private":true,"type":"module"}""");
            var (code, stdout, stderr) = await RunAsync("npm", dir, null, "install", "--no-audit", "--no-fund", "openai@6");
            Assert.True(code == 0, $"npm install openai failed ({code}): {stderr}\n{stdout}");
            return dir;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string workDir,
        IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
