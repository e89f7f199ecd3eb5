using System.Globalization;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>A running <c>dynamo gateway</c>: its process, its address, and what its /metrics says about the cluster.</summary>
public sealed partial class GatewayProcess
{
    private GatewayProcess(DynamoProcess process, Uri root)
    {
        Process = process;
        Root = root;
        Http = new HttpClient { BaseAddress = root, Timeout = ClusterTimeouts.Request };
    }

    public DynamoProcess Process { get; }

    /// <summary>http://127.0.0.1:PORT/ (the API is under v1/).</summary>
    public Uri Root { get; }

    public HttpClient Http { get; }

    [GeneratedRegex(@"^Gateway for '[^']*' \(.*\) at (http://\S+/)v1 ")]
    private static partial Regex ReadyLine();

    /// <param name="withModelDir">False starts it without --model-dir: it serves the models the silos register, with the files they publish.</param>
    public static DynamoProcess Launch(string name, string cacheRoot, string redis, string mode, IEnumerable<string> extraArgs, bool withModelDir = true) =>
        DynamoProcess.Start(name, cacheRoot,
            ["gateway", "--redis", redis, .. (withModelDir ? (string[])["--model-dir", "demo"] : []), "--port", "0", "--router-mode", mode, .. extraArgs]);

    /// <summary>Waits for the line that says the API is up (it is written once the first worker has joined).</summary>
    public static async Task<GatewayProcess> WhenReadyAsync(DynamoProcess process)
    {
        var ready = await process.WaitForLineAsync(ReadyLine(), ClusterTimeouts.ProcessStart);
        return new GatewayProcess(process, new Uri(ready.Groups[1].Value));
    }

    public Task<ChatResult> ChatAsync(string? system, string user, int maxTokens, Action<int>? onChunk = null) =>
        ChatStream.SendAsync(Http, ChatStream.Body(system, user, maxTokens), onChunk);

    /// <summary>One unlabelled sample of /metrics (a gauge or counter the gateway exports).</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var timeout = new CancellationTokenSource(ClusterTimeouts.Call);
        var text = await Http.GetStringAsync(new Uri("metrics", UriKind.Relative), timeout.Token);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
                return double.Parse(line.AsSpan(name.Length + 1), CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/metrics of {Process.Name} has no {name}:\n{text}");
    }

    /// <summary>How many workers the gateway routes to now.</summary>
    public async Task<int> WorkersAsync() => (int)await MetricAsync("dynamo_frontend_workers");

    /// <summary>Waits until the gateway routes to exactly <paramref name="count"/> workers; returns how long that took.</summary>
    public Task<TimeSpan> WaitForWorkersAsync(int count) =>
        ClusterTimeouts.WaitUntilAsync(async () => await WorkersAsync() == count, ClusterTimeouts.Membership, $"{Process.Name} to route to {count} workers");
}
