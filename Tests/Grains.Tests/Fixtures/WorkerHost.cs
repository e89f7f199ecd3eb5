using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Tests.Fixtures;

/// <summary>A worker as a silo hosts it: a CPU engine, a <see cref="WorkerService"/> over it, Kestrel in front, and a gateway-side client.</summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private WorkerHost(EngineClient engine, WorkerService service, LoopbackServer server, RemoteEngineClient client)
    {
        Engine = engine;
        Service = service;
        Server = server;
        Client = client;
    }

    public EngineClient Engine { get; }

    public WorkerService Service { get; }

    public LoopbackServer Server { get; }

    public RemoteEngineClient Client { get; }

    public static async Task<WorkerHost> StartAsync(RemoteEngineClientOptions? options = null)
    {
        var engine = DemoEngine.Start();
        var service = new WorkerService(engine);
        var server = await LoopbackServer.StartAsync(app => app.MapWorkerService(service));
        var client = await RemoteEngineClient.ConnectAsync(server.Address, options ?? new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.Zero });
        return new WorkerHost(engine, service, server, client);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        await Engine.DisposeAsync();
    }
}
