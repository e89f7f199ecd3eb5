using System.Numerics.Tensors;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Causal attention of each query token over its own sequence's cached positions, read through the
/// block table, split across cores by (token, head). A query at position <c>p</c> sees positions
/// <c>[max(0, p - window + 1), p]</c>, which covers prefill chunks and decodes alike.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob, IDisposable
{
    private const long MinFlopsPerTask = 1 << 15;

    private readonly PagedKvCache _cache;
    private readonly int _numHeads;
    private readonly int _group;
    private readonly int _headDim;
    private readonly float _scale;
    private readonly int? _window;
    private readonly int _maxContext;
    private readonly NativeBuffer<float>?[] _scores;

    private float* _q;
    private float* _out;
    private float* _keys;
    private float* _values;
    private int* _positions;
    private int* _tokenSequence;
    private int* _blockTables;
    private int _blockTableStride;
    private int _tokens;

    public AttentionJob(PagedKvCache cache, int numHeads, int maxContext, int? slidingWindow)
    {
        _cache = cache;
        _numHeads = numHeads;
        _group = numHeads / cache.NumKvHeads;
        _headDim = cache.HeadDim;
        _scale = 1f / MathF.Sqrt(cache.HeadDim);
        _window = slidingWindow;
        _maxContext = maxContext;
        _scores = new NativeBuffer<float>?[MaxTasks];
    }

    private static int MaxTasks { get; } = Cores * 2;

    /// <summary>
    /// <paramref name="q"/> and <paramref name="output"/> are <c>[tokens, numHeads · headDim]</c>; every
    /// token's K and V must already be in the cache of <paramref name="layer"/>.
    /// </summary>
    public void Run(int layer, float* q, float* output, int tokens, int* positions, int* tokenSequence, int* blockTables, int blockTableStride)
    {
        _q = q;
        _out = output;
        _keys = _cache.Keys(layer);
        _values = _cache.Values(layer);
        _positions = positions;
        _tokenSequence = tokenSequence;
        _blockTables = blockTables;
        _blockTableStride = blockTableStride;
        _tokens = tokens;

        long flops = 0;
        for (var t = 0; t < tokens; t++)
            flops += 4L * (positions[t] + 1) * _headDim * _numHeads;
        var items = tokens * _numHeads;
        var tasks = (int)Math.Clamp(flops / MinFlopsPerTask, 1, Math.Min(MaxTasks, items));
        Execute(tasks);
    }

    protected override void RunTask(int task, int tasks)
    {
        var (start, end) = Range(_tokens * _numHeads, task, tasks);
        var scores = (_scores[task] ??= new NativeBuffer<float>(_maxContext)).Pointer;
        for (var item = start; item < end; item++)
            AttendOne(item / _numHeads, item % _numHeads, scores);
    }

    private void AttendOne(int token, int head, float* scores)
    {
        var hd = _headDim;
        var stride = _cache.SlotStride;
        var kvOffset = head / _group * hd;
        var p = _positions[token];
        var first = _window is { } w ? Math.Max(0, p - w + 1) : 0;
        var count = p - first + 1;
        var table = _blockTables + (long)_tokenSequence[token] * _blockTableStride;
        var q = new ReadOnlySpan<float>(_q + ((long)token * _numHeads + head) * hd, hd);

        for (var j = 0; j < count; j++)
        {
            var key = _keys + _cache.Slot(table, first + j) * stride + kvOffset;
            scores[j] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(key, hd)) * _scale;
        }

        var s = new Span<float>(scores, count);
        var max = TensorPrimitives.Max(s);
        TensorPrimitives.Subtract(s, max, s);
        TensorPrimitives.Exp(s, s);
        var inverseSum = 1f / TensorPrimitives.Sum(s);

        var output = new Span<float>(_out + ((long)token * _numHeads + head) * hd, hd);
        output.Clear();
        for (var j = 0; j < count; j++)
        {
            var value = new ReadOnlySpan<float>(_values + _cache.Slot(table, first + j) * stride + kvOffset, hd);
            TensorPrimitives.MultiplyAdd(value, scores[j] * inverseSum, output, output);
        }
    }

    public void Dispose()
    {
        foreach (var b in _scores)
            b?.Dispose();
    }
}
