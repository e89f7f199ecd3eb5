namespace DynamoOrleans.Routing;

/// <summary>Settings of a <see cref="KvRouter"/>; <see cref="Validate"/> runs in the router's constructor.</summary>
public sealed class KvRouterOptions
{
    /// <summary>Tokens per KV block; every worker's card must say the same.</summary>
    public int BlockSize { get; set; } = 16;

    /// <summary>One of <see cref="Policies.RoutingPolicyNames"/>.</summary>
    public string Mode { get; set; } = Policies.RoutingPolicyNames.Kv;

    /// <summary>Weight of prefill work against decode blocks in the kv cost (Dynamo's overlap/prefill scale).</summary>
    public double PrefillScale { get; set; } = 1.0;

    /// <summary>0 picks the lowest cost; above 0 samples, higher spreading more.</summary>
    public double Temperature { get; set; }

    /// <summary>How long a worker marked failed is skipped.</summary>
    public TimeSpan ShunDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Predicted mode: how long a routed prompt's blocks are assumed to stay cached.</summary>
    public TimeSpan PredictedTtl { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Seed for tie-breaks and sampling; null for a random seed.</summary>
    public int? Seed { get; set; }

    public void Validate()
    {
        if (BlockSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "the block size must be at least 1");
        if (PrefillScale < 0 || double.IsNaN(PrefillScale))
            throw new ArgumentOutOfRangeException(nameof(PrefillScale), PrefillScale, "the prefill scale must be 0 or more");
        if (Temperature < 0 || double.IsNaN(Temperature))
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "the temperature must be 0 or more");
        if (ShunDuration < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ShunDuration), ShunDuration, "the shun duration must not be negative");
        if (PredictedTtl <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(PredictedTtl), PredictedTtl, "the predicted TTL must be positive");
    }
}
