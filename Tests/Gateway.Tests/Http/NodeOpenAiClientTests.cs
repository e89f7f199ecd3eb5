using System.Diagnostics;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

/// <summary>The npm <c>openai</c> package (installed once into a cache folder) against the gateway.</summary>
public sealed class NodeOpenAiClientTests
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string CacheDir => Path.Combine(Path.GetTempPath(), "dynamo-gateway-tests-node");

    [Fact]
    public async Task NpmOpenAi_ChatStreamToolsCompletionsAndErrors()
    {
        var dir = await EnsureOpenAiPackageAsync();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "node", "openai-client.mjs"), Path.Combine(dir, "openai-client.mjs"), overwrite: true);
        var engine = new ScriptedEngine(Script);
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { ApiKey = "sk-node" });

        var (code, stdout, stderr) = await RunAsync("node", dir, "openai-client.mjs", new Uri(server.BaseAddress, "/v1").ToString(), "sk-node");
        Assert.True(code == 0, $"node exited {code}: {stderr}\n{stdout}");
        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal("fake-model", result["models"]![0]!.GetValue<string>());
        Assert.Equal("Hello from node land.", result["chat"]!.GetValue<string>());
        Assert.Equal(22, result["streamUsage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("get_weather", result["toolCall"]!["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(result["toolCall"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
        Assert.Equal("tool_calls", result["toolFinish"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}".Length, result["toolFragments"]!.GetValue<int>());
        Assert.Equal("Hello", result["completion"]!.GetValue<string>());
        Assert.Equal(5, result["completionLogprobs"]!.GetValue<int>());
        Assert.Equal(404, result["missingModel"]!["status"]!.GetValue<int>());
        Assert.Equal("model_not_found", result["missingModel"]!["code"]!.GetValue<string>());
    }

    private static string Script(GenerateRequest request) =>
        ScriptedEngine.PromptText(request).Contains("<tools>", StringComparison.Ordinal)
            ? "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>"
            : "Hello from node land.";

    private static async Task<string> EnsureOpenAiPackageAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            var dir = CacheDir;
            if (File.Exists(Path.Combine(dir, "node_modules", "openai", "package.json"))) return dir;
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "package.json"), """{"name":"gateway-tests","private":true,"type":"module"}""");
            var (code, stdout, stderr) = await RunAsync("npm", dir, "install", "--no-audit", "--no-fund", "openai@6");
            Assert.True(code == 0, $"npm install openai failed ({code}): {stderr}\n{stdout}");
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
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
