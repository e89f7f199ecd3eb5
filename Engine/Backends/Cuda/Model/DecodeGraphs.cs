namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// The CUDA graphs of decode steps, one per (batch-size bucket, attention split shape), captured lazily on a
/// shape's first step. A decode batch is padded up to its bucket so that a handful of graphs serve every
/// batch size; the attention split is picked from the context rounded up to a power of two, so a graph
/// stays valid while its sequences grow within that class.
/// </summary>
internal sealed class DecodeGraphs : IDisposable
{
    private readonly int[] _buckets;
    private readonly int _maxContext;
    private readonly Dictionary<(int Bucket, int Splits, int SplitLength), CudaGraph> _graphs = [];

    public DecodeGraphs(int maxBatch, int maxContext)
    {
        var buckets = new List<int>();
        for (var size = 1; size < maxBatch; size *= 2)
            buckets.Add(size);
        buckets.Add(maxBatch);
        _buckets = [.. buckets];
        _maxContext = maxContext;
    }

    public IReadOnlyList<int> Buckets => _buckets;

    public int Count => _graphs.Count;

    public bool TryGetBucket(int sequences, out int bucket)
    {
        foreach (var size in _buckets)
        {
            if (size >= sequences)
            {
                bucket = size;
                return true;
            }
        }
        bucket = 0;
        return false;
    }

    /// <summary>The context a graph is shaped for: the next power of two (at least 256), capped at the runner's longest context.</summary>
    public int ContextClass(int maxContext) =>
        Math.Min(_maxContext, (int)Math.Max(256, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)maxContext)));

    public bool TryGet(int bucket, int splits, int splitLength, out CudaGraph graph) =>
        _graphs.TryGetValue((bucket, splits, splitLength), out graph!);

    public void Add(int bucket, int splits, int splitLength, CudaGraph graph) => _graphs[(bucket, splits, splitLength)] = graph;

    /// <summary>Drops every captured graph: the next step of each shape captures afresh.</summary>
    public void Clear()
    {
        foreach (var graph in _graphs.Values)
            graph.Dispose();
        _graphs.Clear();
    }

    public void Dispose() => Clear();
}
