namespace DynamoOrleans.Routing.Policies;

/// <summary>The policy names accepted in configuration (<c>--router-mode</c>).</summary>
public static class RoutingPolicyNames
{
    public const string Kv = "kv";
    public const string RoundRobin = "round-robin";
    public const string Random = "random";
    public const string LeastLoaded = "least-loaded";

    /// <summary>The kv cost function over an index built from the router's own decisions, for workers that publish no events.</summary>
    public const string Predicted = "predicted";
}
