namespace DynamoOrleans.Cluster;

/// <summary>Lease and bus settings shared by the in-memory and Redis implementations.</summary>
public sealed class ClusterOptions
{
    /// <summary>A lease not renewed for this long expires (ARCHITECTURE.md: 10 s).</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a <see cref="Leases.LeaseKeeper"/> renews (5 s): two chances per TTL.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a directory watch re-reads membership.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Roughly how many KV events the bus keeps (Redis trims whole stream nodes, so "about").</summary>
    public int KvStreamMaxLength { get; set; } = 100_000;

    /// <summary>Prefix of every Redis key, so clusters can share a Redis.</summary>
    public string KeyPrefix { get; set; } = "dynamo";

    /// <summary>How long a KV subscription's XREAD blocks before asking again.</summary>
    public TimeSpan SubscribeBlock { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most entries one XREAD returns.</summary>
    public int SubscribeBatch { get; set; } = 1024;

    public void Validate()
    {
        if (LeaseTtl < TimeSpan.FromMilliseconds(10))
            throw new ArgumentOutOfRangeException(nameof(LeaseTtl), LeaseTtl, "lease TTL must be at least 10 ms");
        if (RenewInterval <= TimeSpan.Zero || RenewInterval >= LeaseTtl)
            throw new ArgumentOutOfRangeException(nameof(RenewInterval), RenewInterval, "renew interval must be positive and shorter than the lease TTL");
        if (WatchInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(WatchInterval), WatchInterval, "watch interval must be positive");
        if (KvStreamMaxLength < 1)
            throw new ArgumentOutOfRangeException(nameof(KvStreamMaxLength), KvStreamMaxLength, "the KV stream must keep at least one entry");
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.Contains(' ', StringComparison.Ordinal))
            throw new ArgumentException("key prefix must be non-empty and have no spaces", nameof(KeyPrefix));
        if (SubscribeBlock < TimeSpan.FromMilliseconds(1) || SubscribeBatch < 1)
            throw new ArgumentOutOfRangeException(nameof(SubscribeBlock), "subscription block and batch must be positive");
    }
}
