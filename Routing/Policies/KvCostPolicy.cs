namespace DynamoOrleans.Routing.Policies;

/// <summary>
/// Dynamo's default cost: for each candidate
/// <c>prefill = max(active_prefill + prompt − overlap, 0)</c> (the prefill work queued there once this
/// request joins), <c>decode = active_decode + new</c> with <c>new = prompt − overlap + decode growth</c>
/// (the KV blocks the request would add), and <c>cost = prefill_scale·prefill + decode</c>.
/// The lowest cost wins; ties go to the candidate with the fewest cached blocks (the emptier cache
/// evicts less), then to a random one. With <see cref="Temperature"/> &gt; 0 the choice is sampled with
/// <c>p ∝ exp(−(c − c_min) / ((c_max − c_min)·T))</c>, spreading load across near-equal workers.
/// </summary>
public sealed class KvCostPolicy : IRoutingPolicy
{
    private const int StackLimit = 256;

    private readonly SharedRandom _random;

    public KvCostPolicy(double prefillScale = 1.0, double temperature = 0.0, int? seed = null, string name = RoutingPolicyNames.Kv)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefillScale);
        ArgumentOutOfRangeException.ThrowIfNegative(temperature);
        PrefillScale = prefillScale;
        Temperature = temperature;
        Name = name;
        _random = new SharedRandom(seed);
    }

    public string Name { get; }

    public double PrefillScale { get; }

    public double Temperature { get; }

    /// <summary>The cost of sending the request to candidate <paramref name="i"/>.</summary>
    public double Cost(in RoutingCandidates candidates, int i)
    {
        var uncached = Math.Max(candidates.PromptBlocks - candidates.OverlapBlocks[i], 0);
        var prefill = Math.Max((long)candidates.ActivePrefillBlocks[i] + uncached, 0);
        var decode = (long)candidates.ActiveDecodeBlocks[i] + uncached + candidates.DecodeGrowthBlocks;
        return PrefillScale * prefill + decode;
    }

    public int Pick(in RoutingCandidates candidates)
    {
        var n = candidates.Count;
        Span<double> costs = n <= StackLimit ? stackalloc double[n] : new double[n];
        var min = double.MaxValue;
        var max = double.MinValue;
        for (var i = 0; i < n; i++)
        {
            var cost = Cost(candidates, i);
            costs[i] = cost;
            min = Math.Min(min, cost);
            max = Math.Max(max, cost);
        }
        if (Temperature > 0 && max > min)
            return Sample(costs, min, max);
        return Lowest(candidates, costs, min);
    }

    private int Lowest(in RoutingCandidates candidates, ReadOnlySpan<double> costs, double min)
    {
        var best = -1;
        var bestCached = int.MaxValue;
        var ties = 0;
        for (var i = 0; i < costs.Length; i++)
        {
            if (costs[i] != min)
                continue;
            var cached = candidates.CachedBlocks[i];
            if (cached < bestCached)
            {
                best = i;
                bestCached = cached;
                ties = 1;
            }
            else if (cached == bestCached && _random.Next(++ties) == 0)
            {
                best = i;
            }
        }
        return best;
    }

    private int Sample(ReadOnlySpan<double> costs, double min, double max)
    {
        var scale = 1.0 / ((max - min) * Temperature);
        Span<double> weights = costs.Length <= StackLimit ? stackalloc double[costs.Length] : new double[costs.Length];
        var total = 0.0;
        for (var i = 0; i < costs.Length; i++)
        {
            weights[i] = Math.Exp(-(costs[i] - min) * scale);
            total += weights[i];
        }
        var target = _random.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0)
                return i;
        }
        return weights.Length - 1;
    }
}
