namespace DynamoOrleans.Cluster.Resp;

/// <summary>Where Redis is and how patient to be with it.</summary>
public sealed class RedisConnectionOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 6379;

    /// <summary>Sent with AUTH after every (re)connect when set.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Selected after every (re)connect when not 0.</summary>
    public int Database { get; set; }

    /// <summary>How long a command may wait for its reply (or for a reconnect) before failing with a TimeoutException.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait between reconnect attempts; doubles per failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Parses <c>host:port</c> (port optional).</summary>
    public static RedisConnectionOptions FromEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon < 0
            ? new RedisConnectionOptions { Host = endpoint }
            : new RedisConnectionOptions { Host = endpoint[..colon], Port = int.Parse(endpoint.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture) };
    }

    public RedisConnectionOptions Clone() => (RedisConnectionOptions)MemberwiseClone();

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
            throw new ArgumentException("Redis host is empty");
        if (Port is <= 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Redis port must be 1..65535");
        if (Database < 0)
            throw new ArgumentOutOfRangeException(nameof(Database), Database, "database index must be >= 0");
        if (CommandTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), "timeouts must be positive");
        if (MinReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < MinReconnectDelay)
            throw new ArgumentOutOfRangeException(nameof(MinReconnectDelay), "reconnect delays must be positive and min <= max");
    }
}
