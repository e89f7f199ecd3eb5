using DynamoOrleans.Cluster.Resp;

namespace DynamoOrleans.Cluster.Tests.Fixtures;

/// <summary>One redis-server per test class; tests isolate themselves by key prefix.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private RedisConnection? _connection;

    public RedisServer Server => _server ?? throw new InvalidOperationException("redis-server is not running");

    /// <summary>A shared multiplexed connection to the fixture's server.</summary>
    public RedisConnection Connection => _connection ?? throw new InvalidOperationException("redis-server is not running");

    public RedisConnectionOptions Options(TimeSpan? commandTimeout = null) => new()
    {
        Port = Server.Port,
        CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(10),
    };

    public async Task InitializeAsync()
    {
        if (!RedisServer.IsInstalled)
            return;
        _server = await RedisServer.StartAsync();
        _connection = await RedisConnection.ConnectAsync(Options());
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
