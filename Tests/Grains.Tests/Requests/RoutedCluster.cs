using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Routing;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>Real workers (CPU engine, WorkerService, Kestrel on loopback) behind one <see cref="RoutedEngineClient"/>.</summary>
internal sealed class RoutedCluster : IAsyncDisposable
{
    public const string TokenizerDigest = "demo-tokenizer";

    private RoutedCluster(WorkerHost[] hosts, RoutedEngineClient client)
    {
        Hosts = hosts;
        Client = client;
    }

    public WorkerHost[] Hosts { get; }

    public RoutedEngineClient Client { get; }

    /// <summary>Starts the workers; the router runs in predicted mode (no KV event bus in these tests) unless told otherwise.</summary>
    public static async Task<RoutedCluster> StartAsync(int numWorkers = 3, string mode = RoutingPolicyNames.Predicted, int migrationLimit = 3)
    {
        var hosts = new WorkerHost[numWorkers];
        for (var i = 0; i < numWorkers; i++)
            hosts[i] = await WorkerHost.StartAsync();
        var client = new RoutedEngineClient(new RoutedEngineClientOptions
        {
            Router = new KvRouterOptions { Mode = mode, Seed = 7, ShunDuration = TimeSpan.FromSeconds(30) },
            MigrationLimit = migrationLimit,
        });
        for (var i = 0; i < numWorkers; i++)
            client.AddWorker(CardOf(i, hosts[i]), hosts[i].Client);
        return new RoutedCluster(hosts, client);
    }

    public static WorkerCard CardOf(int index, WorkerHost host, string? model = null, string digest = TokenizerDigest) =>
        new(new WorkerId("node" + index, 0), model ?? host.Client.Model.Name, digest, host.Client.Model.BlockSize, host.Client.Model.MaxContextLength,
            host.Engine.GetLoad().KvBlocksTotal, WorkerRole.Aggregated, host.Server.Address.ToString());

    /// <summary>The live hosts whose engine runs at least one request now.</summary>
    public IEnumerable<WorkerHost> Busy() => Hosts.Where(h => h.Engine.GetLoad().NumRunning > 0);

    public int TotalRunning() => Hosts.Sum(h => h.Engine.GetLoad().NumRunning);

    public static async Task<List<TokenOutput>> ReadAllAsync(IAsyncEnumerable<TokenOutput> stream, CancellationToken cancellationToken = default)
    {
        var outputs = new List<TokenOutput>();
        await foreach (var output in stream.WithCancellation(cancellationToken))
            outputs.Add(output);
        return outputs;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
            await host.DisposeAsync();
    }
}
