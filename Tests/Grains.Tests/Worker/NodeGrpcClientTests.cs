using System.Diagnostics;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Tests.Fixtures;

namespace DynamoOrleans.Grains.Tests.Worker;

/// <summary>
/// Interop: the reference Node gRPC client (@grpc/grpc-js, installed once into a cache folder) against
/// the hand-written server, so "standard gRPC" is checked by an implementation that is not ours.
/// </summary>
public sealed class NodeGrpcClientTests
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string CacheDir => Path.Combine(Path.GetTempPath(), "dynamo-grains-tests-node");

    [Fact]
    public async Task GrpcJs_GenerateHealthLoadKvIndexErrorsDeadlineCancel()
    {
        var dir = await EnsurePackagesAsync();
        var script = Path.Combine(dir, "worker-client.mjs");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "node", "worker-client.mjs"), script, overwrite: true);
        var request = DemoEngine.Greedy("direct", maxTokens: 12, logprobs: 0);
        await using var direct = DemoEngine.Start();
        var expected = await RemoteEngineClientTests.ReadAllAsync(direct.GenerateAsync(request, CancellationToken.None));
        await using var host = await WorkerHost.StartAsync();

        var prompt = "[" + string.Join(",", request.PromptTokenIds) + "]";
        var (code, stdout, stderr) = await RunAsync("node", dir, script, host.Server.Address.Authority, Path.Combine(AppContext.BaseDirectory, "Protos", "worker.proto"), prompt);

        Assert.True(code == 0, $"node exited {code}: {stderr}\n{stdout}");
        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal(host.Engine.Model.Name, result["model"]!.GetValue<string>());
        Assert.Equal(16, result["blockSize"]!.GetValue<int>());
        Assert.Equal("SERVING_STATUS_SERVING", result["status"]!.GetValue<string>());
        Assert.Equal(expected.Select(o => o.TokenId), result["tokens"]!.AsArray().Select(t => t!.GetValue<int>()));
        Assert.Equal(expected.Select(o => o.Logprob), result["logprobs"]!.AsArray().Select(t => (float)t!.GetValue<double>()));
        Assert.Equal("FINISH_REASON_LENGTH", result["finish"]!.AsArray()[^1]!.GetValue<string>());
        Assert.Equal("FINISH_REASON_NONE", result["finish"]!.AsArray()[0]!.GetValue<string>());
        Assert.Equal(3, result["invalidCode"]!.GetValue<int>());  // INVALID_ARGUMENT
        Assert.Equal(4, result["deadlineCode"]!.GetValue<int>()); // DEADLINE_EXCEEDED
        Assert.Equal(1, result["cancelCode"]!.GetValue<int>());   // CANCELLED (reported by grpc-js for its own cancel)
        Assert.Equal(host.Engine.GetLoad().KvBlocksTotal, result["kvBlocksTotal"]!.GetValue<int>());
        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0 && host.Service.NumInFlight == 0, "the engine to drop the cancelled requests");
        // The greedy request alone fills three blocks of 16; the cut-short ones may have added more, up to what the engine holds now.
        Assert.InRange(result["kvBlocks"]!.GetValue<int>(), 3, (await host.Engine.GetKvIndexAsync(CancellationToken.None)).Blocks.Count);
    }

    private static async Task<string> EnsurePackagesAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            var dir = CacheDir;
            if (File.Exists(Path.Combine(dir, "node_modules", "@grpc", "grpc-js", "package.json"))
                && File.Exists(Path.Combine(dir, "node_modules", "@grpc", "proto-loader", "package.json")))
                return dir;
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), """{"name":"grains-tests","private":true,"type":"module"}""");
            var (code, stdout, stderr) = await RunAsync("npm", dir, "install", "--no-audit", "--no-fund", "@grpc/grpc-js@1", "@grpc/proto-loader@0.7");
            Assert.True(code == 0, $"npm install @grpc/grpc-js failed ({code}): {stderr}\n{stdout}");
            return dir;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string workDir, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
