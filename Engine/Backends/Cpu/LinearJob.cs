namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// <c>y[t, :] = W · x[t, :] (+ bias)</c> for a block of tokens, split across cores by groups of four
/// output rows. Tokens and columns are blocked: a block of tokens stays in L2 while each row group's
/// panel (bf16 widened once into per-task scratch) meets it two tokens at a time, so weights stream
/// once per 64 tokens. A single token (decode) widens bf16 in registers instead.
/// </summary>
internal sealed unsafe class LinearJob : ParallelJob, IDisposable
{
    private const int RowsPerGroup = 4;
    // About 10 µs of work per task: below that, Parallel.For costs more than it saves.
    private const long MinFlopsPerTask = 1 << 19;

    // Blocks of tokens × columns small enough that the token block stays in L2 (256 KB) and a four-row
    // weight panel in L1 (16 KB) while every row group of the task meets it.
    private const int TokenBlock = 64;
    private const int ColumnBlock = 1024;

    private readonly NativeBuffer<float>[] _rowScratch;
    private float* _x;
    private int _tokens;
    private CpuWeight? _w;
    private float* _bias;
    private float* _y;

    public LinearJob() => _rowScratch = new NativeBuffer<float>[MaxTasks];

    public static int MaxTasks { get; } = Cores * 4;

    /// <summary><paramref name="x"/> is <c>[tokens, w.Cols]</c>, <paramref name="y"/> is <c>[tokens, w.Rows]</c>; <paramref name="bias"/> may be null.</summary>
    public void Run(float* x, int tokens, CpuWeight w, float* bias, float* y)
    {
        _x = x;
        _tokens = tokens;
        _w = w;
        _bias = bias;
        _y = y;
        var groups = (w.Rows + RowsPerGroup - 1) / RowsPerGroup;
        var flops = 2L * tokens * w.Rows * w.Cols;
        var tasks = (int)Math.Clamp(flops / MinFlopsPerTask, 1, Math.Min(MaxTasks, groups));
        Execute(tasks);
        _w = null;
    }

    protected override void RunTask(int task, int tasks)
    {
        var w = _w!;
        var groups = (w.Rows + RowsPerGroup - 1) / RowsPerGroup;
        var (start, end) = Range(groups, task, tasks);
        var sums = stackalloc float[8];
        if (w.IsBf16 && _tokens == 1)
        {
            for (var g = start; g < end; g++)
                DecodeBf16(w, g * RowsPerGroup, Math.Min(RowsPerGroup, w.Rows - g * RowsPerGroup), sums);
            return;
        }

        var scratch = w.IsBf16 ? Scratch(task) : null;
        for (var t0 = 0; t0 < _tokens; t0 += TokenBlock)
        {
            var t1 = Math.Min(_tokens, t0 + TokenBlock);
            for (var c0 = 0; c0 < w.Cols; c0 += ColumnBlock)
            {
                var kc = Math.Min(ColumnBlock, w.Cols - c0);
                for (var g = start; g < end; g++)
                    MultiplyBlock(w, g * RowsPerGroup, Math.Min(RowsPerGroup, w.Rows - g * RowsPerGroup), t0, t1, c0, kc, scratch, sums);
            }
        }
    }

    private void DecodeBf16(CpuWeight w, int r0, int rows, float* sums)
    {
        var k = w.Cols;
        if (rows == RowsPerGroup)
        {
            Bf16Dot4x1(w.Bf16Row(r0), w.Bf16Row(r0 + 1), w.Bf16Row(r0 + 2), w.Bf16Row(r0 + 3), _x, k, sums);
            for (var r = 0; r < RowsPerGroup; r++)
                Store(0, r0 + r, sums[r], first: true);
            return;
        }
        for (var r = 0; r < rows; r++)
        {
            var s = 0f;
            var p = w.Bf16Row(r0 + r);
            for (var i = 0; i < k; i++)
                s += BitConverter.UInt32BitsToSingle((uint)p[i] << 16) * _x[i];
            Store(0, r0 + r, s, first: true);
        }
    }

    private void MultiplyBlock(CpuWeight w, int r0, int rows, int t0, int t1, int c0, int kc, float* scratch, float* sums)
    {
        var k = w.Cols;
        var first = c0 == 0;
        var panel = stackalloc float*[RowsPerGroup];
        for (var r = 0; r < rows; r++)
        {
            if (scratch != null)
            {
                panel[r] = scratch + (long)r * ColumnBlock;
                MatMulKernels.WidenBf16(w.Bf16Row(r0 + r) + c0, panel[r], kc);
            }
            else
            {
                panel[r] = w.F32Row(r0 + r) + c0;
            }
        }

        if (rows < RowsPerGroup)
        {
            for (var t = t0; t < t1; t++)
                for (var r = 0; r < rows; r++)
                    Store(t, r0 + r, MatMulKernels.Dot(panel[r], _x + (long)t * k + c0, kc), first);
            return;
        }

        var tk = t0;
        for (; tk + 2 <= t1; tk += 2)
        {
            var x0 = _x + (long)tk * k + c0;
            Dot4x2(panel[0], panel[1], panel[2], panel[3], x0, x0 + k, kc, sums);
            for (var r = 0; r < RowsPerGroup; r++)
            {
                Store(tk, r0 + r, sums[r * 2], first);
                Store(tk + 1, r0 + r, sums[r * 2 + 1], first);
            }
        }
        if (tk < t1)
        {
            Dot4x1(panel[0], panel[1], panel[2], panel[3], _x + (long)tk * k + c0, kc, sums);
            for (var r = 0; r < RowsPerGroup; r++)
                Store(tk, r0 + r, sums[r], first);
        }
    }

    /// <summary>Writes a partial dot product: the first column block starts from the bias, later ones add.</summary>
    private void Store(int token, int row, float sum, bool first)
    {
        ref var y = ref _y[(long)token * _w!.Rows + row];
        y = first ? (_bias == null ? sum : sum + _bias[row]) : y + sum;
    }

    // The width is chosen per call, not per element, so the branch costs nothing measurable.
    private static void Dot4x2(float* w0, float* w1, float* w2, float* w3, float* x0, float* x1, int k, float* sums)
    {
        if (MatMulKernels512.Enabled)
            MatMulKernels512.Dot4x2(w0, w1, w2, w3, x0, x1, k, sums);
        else
            MatMulKernels.Dot4x2(w0, w1, w2, w3, x0, x1, k, sums);
    }

    private static void Dot4x1(float* w0, float* w1, float* w2, float* w3, float* x, int k, float* sums)
    {
        if (MatMulKernels512.Enabled)
            MatMulKernels512.Dot4x1(w0, w1, w2, w3, x, k, sums);
        else
            MatMulKernels.Dot4x1(w0, w1, w2, w3, x, k, sums);
    }

    private static void Bf16Dot4x1(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* x, int k, float* sums)
    {
        if (MatMulKernels512.Enabled)
            MatMulKernels512.Bf16Dot4x1(w0, w1, w2, w3, x, k, sums);
        else
            MatMulKernels.Bf16Dot4x1(w0, w1, w2, w3, x, k, sums);
    }

    private float* Scratch(int task)
    {
        // Each task index is used by one thread at a time, so its buffer needs no lock.
        var buffer = _rowScratch[task] ??= new NativeBuffer<float>((long)RowsPerGroup * ColumnBlock);
        return buffer.Pointer;
    }

    public void Dispose()
    {
        foreach (var b in _rowScratch)
            b?.Dispose();
    }
}
