using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Causal attention of each query token over its own sequence's cached positions, read through the
/// block table, split across cores by (token, KV head). A query at position <c>p</c> sees positions
/// <c>[max(0, p - window + 1), p]</c>, which covers prefill chunks and decodes alike.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob, IDisposable
{
    private const long MinFlopsPerTask = 1 << 17;

    private readonly PagedKvCache _cache;
    private readonly int _numHeads;
    private readonly int _group;
    private readonly int _headDim;
    private readonly float _scale;
    private readonly int? _window;
    private readonly int _maxContext;
    private readonly NativeBuffer<float>?[] _scores;
    private readonly NativeBuffer<long>?[] _slots;

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
        _slots = new NativeBuffer<long>?[MaxTasks];
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
        var items = tokens * _cache.NumKvHeads;
        var tasks = (int)Math.Clamp(flops / MinFlopsPerTask, 1, Math.Min(MaxTasks, items));
        Execute(tasks);
    }

    protected override void RunTask(int task, int tasks)
    {
        var kvHeads = _cache.NumKvHeads;
        var (start, end) = Range(_tokens * kvHeads, task, tasks);
        var scores = (_scores[task] ??= new NativeBuffer<float>((long)_group * _maxContext)).Pointer;
        var slots = (_slots[task] ??= new NativeBuffer<long>(_maxContext)).Pointer;
        for (var item = start; item < end; item++)
            AttendGroup(item / kvHeads, item % kvHeads, scores, slots);
    }

    /// <summary>
    /// The query heads that share KV head <paramref name="kvHead"/> attend together, so each cached key
    /// and value row is read from memory once per group rather than once per query head.
    /// </summary>
    private void AttendGroup(int token, int kvHead, float* scores, long* slots)
    {
        var hd = _headDim;
        var p = _positions[token];
        var first = _window is { } w ? Math.Max(0, p - w + 1) : 0;
        var count = p - first + 1;
        var table = _blockTables + (long)_tokenSequence[token] * _blockTableStride;
        var kvOffset = kvHead * hd;
        for (var j = 0; j < count; j++)
            slots[j] = _cache.Slot(table, first + j) * _cache.SlotStride + kvOffset;

        var q = _q + ((long)token * _numHeads + kvHead * _group) * hd;
        for (var j = 0; j < count; j++)
        {
            var key = _keys + slots[j];
            for (var g = 0; g < _group; g++)
                scores[(long)g * count + j] = Dot(q + g * hd, key, hd) * _scale;
        }

        var output = _out + ((long)token * _numHeads + kvHead * _group) * hd;
        for (var g = 0; g < _group; g++)
        {
            var s = new Span<float>(scores + (long)g * count, count);
            var max = TensorPrimitives.Max(s);
            TensorPrimitives.Subtract(s, max, s);
            TensorPrimitives.Exp(s, s);
            TensorPrimitives.Multiply(s, 1f / TensorPrimitives.Sum(s), s);
            new Span<float>(output + g * hd, hd).Clear();
        }

        for (var j = 0; j < count; j++)
        {
            var value = _values + slots[j];
            for (var g = 0; g < _group; g++)
                MultiplyAdd(value, scores[(long)g * count + j], output + g * hd, hd);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(float* a, float* b, int n)
    {
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
        }
        var sum = Vector256.Sum(acc0 + acc1);
        for (; i < n; i++)
            sum += a[i] * b[i];
        return sum;
    }

    /// <summary><c>y += a · x</c> over <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(float* x, float a, float* y, int n)
    {
        var va = Vector256.Create(a);
        var i = 0;
        for (; i + 8 <= n; i += 8)
            Vector256.FusedMultiplyAdd(Vector256.Load(x + i), va, Vector256.Load(y + i)).Store(y + i);
        for (; i < n; i++)
            y[i] += a * x[i];
    }

    public void Dispose()
    {
        foreach (var b in _scores)
            b?.Dispose();
        foreach (var b in _slots)
            b?.Dispose();
    }
}
