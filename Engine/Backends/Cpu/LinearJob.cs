namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// <c>y[t, :] = W · x[t, :] (+ bias)</c> for a block of tokens, split across cores by groups of four
/// output rows. Each group's weights are read once for all the block's tokens: bf16 rows are widened
/// once into a per-task scratch and then meet the tokens two at a time; a single token (decode)
/// widens in registers instead.
/// </summary>
internal sealed unsafe class LinearJob : ParallelJob, IDisposable
{
    private const int RowsPerGroup = 4;
    private const long MinFlopsPerTask = 1 << 16;

    private readonly NativeBuffer<float>[] _rowScratch;
    private readonly int _maxCols;
    private float* _x;
    private int _tokens;
    private CpuWeight? _w;
    private float* _bias;
    private float* _y;

    public LinearJob(int maxCols)
    {
        _maxCols = maxCols;
        _rowScratch = new NativeBuffer<float>[MaxTasks];
    }

    public static int MaxTasks { get; } = Cores * 4;

    /// <summary><paramref name="x"/> is <c>[tokens, w.Cols]</c>, <paramref name="y"/> is <c>[tokens, w.Rows]</c>; <paramref name="bias"/> may be null.</summary>
    public void Run(float* x, int tokens, CpuWeight w, float* bias, float* y)
    {
        if (w.Cols > _maxCols)
            throw new ArgumentException($"{w.Name} has {w.Cols} columns; this job was sized for {_maxCols}");
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
        float* scratch = null;
        if (w.IsBf16 && _tokens > 1)
            scratch = Scratch(task);
        for (var g = start; g < end; g++)
        {
            var r0 = g * RowsPerGroup;
            var rows = Math.Min(RowsPerGroup, w.Rows - r0);
            if (w.IsBf16 && _tokens == 1)
                DecodeBf16(w, r0, rows, sums);
            else
                Multiply(w, r0, rows, scratch, sums);
        }
    }

    private void DecodeBf16(CpuWeight w, int r0, int rows, float* sums)
    {
        var k = w.Cols;
        if (rows == RowsPerGroup)
        {
            MatMulKernels.Bf16Dot4x1(w.Bf16Row(r0), w.Bf16Row(r0 + 1), w.Bf16Row(r0 + 2), w.Bf16Row(r0 + 3), _x, k, sums);
            for (var r = 0; r < RowsPerGroup; r++)
                Store(0, r0 + r, sums[r]);
            return;
        }
        for (var r = 0; r < rows; r++)
        {
            var s = 0f;
            var p = w.Bf16Row(r0 + r);
            for (var i = 0; i < k; i++)
                s += BitConverter.UInt32BitsToSingle((uint)p[i] << 16) * _x[i];
            Store(0, r0 + r, s);
        }
    }

    private void Multiply(CpuWeight w, int r0, int rows, float* scratch, float* sums)
    {
        var k = w.Cols;
        float* w0, w1, w2, w3;
        if (scratch != null)
        {
            for (var r = 0; r < rows; r++)
                MatMulKernels.WidenBf16(w.Bf16Row(r0 + r), scratch + (long)r * k, k);
            w0 = scratch;
        }
        else
        {
            w0 = w.F32Row(r0);
        }
        w1 = w0 + k;
        w2 = w1 + k;
        w3 = w2 + k;

        if (rows < RowsPerGroup)
        {
            for (var t = 0; t < _tokens; t++)
                for (var r = 0; r < rows; r++)
                    Store(t, r0 + r, MatMulKernels.Dot(w0 + (long)r * k, _x + (long)t * k, k));
            return;
        }

        var tk = 0;
        for (; tk + 2 <= _tokens; tk += 2)
        {
            var x0 = _x + (long)tk * k;
            MatMulKernels.Dot4x2(w0, w1, w2, w3, x0, x0 + k, k, sums);
            for (var r = 0; r < RowsPerGroup; r++)
            {
                Store(tk, r0 + r, sums[r * 2]);
                Store(tk + 1, r0 + r, sums[r * 2 + 1]);
            }
        }
        if (tk < _tokens)
        {
            MatMulKernels.Dot4x1(w0, w1, w2, w3, _x + (long)tk * k, k, sums);
            for (var r = 0; r < RowsPerGroup; r++)
                Store(tk, r0 + r, sums[r]);
        }
    }

    private void Store(int token, int row, float sum) =>
        _y[(long)token * _w!.Rows + row] = _bias == null ? sum : sum + _bias[row];

    private float* Scratch(int task)
    {
        // Each task index is used by one thread at a time, so its buffer needs no lock.
        var buffer = _rowScratch[task] ??= new NativeBuffer<float>((long)RowsPerGroup * _maxCols);
        return buffer.Pointer;
    }

    public void Dispose()
    {
        foreach (var b in _rowScratch)
            b?.Dispose();
    }
}
