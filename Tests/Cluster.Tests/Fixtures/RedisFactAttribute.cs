namespace DynamoOrleans.Cluster.Tests.Fixtures;

/// <summary>A fact that needs a real redis-server; skipped, saying why, only where none is installed (test.sh installs one).</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (!RedisServer.IsInstalled)
            Skip = "redis-server is not installed; run ./test.sh (it installs it) or apt-get install -y redis-server";
    }
}
