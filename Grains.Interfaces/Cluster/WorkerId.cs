namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>A Worker grain's key: the node (silo) and the GPU index on it, written <c>{node}/{gpu}</c>. A CPU worker is GPU 0.</summary>
public readonly record struct WorkerId(string Node, int Gpu)
{
    public override string ToString() => $"{Node}/{Gpu}";

    public static WorkerId Parse(string text)
    {
        var slash = text.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var gpu))
            throw new FormatException($"'{text}' is not a worker id of the form node/gpu");
        return new WorkerId(text[..slash], gpu);
    }
}
