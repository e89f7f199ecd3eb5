using System.ClientModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenAI;
using OpenAI.Chat;

namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary>
/// The README's first command, run as users run it: a real <c>dynamo serve --model demo</c> process,
/// talked to with the OpenAI SDK, then stopped with SIGTERM.
/// </summary>
public sealed partial class ServeProcessTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("cli-serve-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [GeneratedRegex(@"at (http://[^ ]+/v1)")]
    private static partial Regex ListeningLine();

    [Fact]
    public async Task Serve_DemoModel_AnswersTheOpenAiSdkAndExitsCleanlyOnSigterm()
    {
        using var server = Start("serve", "--model", "demo", "--port", "0", "--api-key", "sk-test");
        var endpoint = await WaitForAddressAsync(server);

        var client = new ChatClient("demo", new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(endpoint) });
        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("What is the weather in Paris?")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        Assert.False(string.IsNullOrEmpty(completion.Content[0].Text));

        var wrongKey = new ChatClient("demo", new ApiKeyCredential("sk-wrong"), new OpenAIClientOptions { Endpoint = new Uri(endpoint) });
        var denied = await Assert.ThrowsAsync<ClientResultException>(() => wrongKey.CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, denied.Status);

        using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill!.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public async Task Serve_MissingModelFolder_ExitsWithCode2AndOneLine()
    {
        using var server = Start("serve", "--model", Path.Combine(_cache, "no-such-folder"), "--port", "0");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, server.ExitCode);
        Assert.StartsWith("error: ", await server.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DeviceCudaWithoutGpu_ExitsWithCode2AndOneLine()
    {
        // On a GPU machine this would serve instead; the CI and development machines have none.
        if (DynamoOrleans.Engine.Serving.CudaEngine.IsAvailable(out var reason))
            return;
        using var server = Start("serve", "--model", "demo", "--device", "cuda", "--port", "0");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server.WaitForExitAsync(timeout.Token);
        var error = await server.StandardError.ReadToEndAsync();
        Assert.Equal(2, server.ExitCode);
        Assert.Equal($"error: --device cuda: {reason}", error.TrimEnd());
    }

    private Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "dynamo.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DYNAMO_CACHE"] = _cache;
        return Process.Start(start) ?? throw new InvalidOperationException("could not start dynamo");
    }

    private static async Task<string> WaitForAddressAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ListeningLine().Match(line) is { Success: true } match)
                return match.Groups[1].Value;
        }
        throw new InvalidOperationException($"dynamo serve exited early: {await server.StandardError.ReadToEndAsync()}");
    }
}
