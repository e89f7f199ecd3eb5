using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// Everything one forward step touches besides weights and KV cache, allocated once for the largest step:
/// the activations on the device, the integer inputs (packed into one region, so a step uploads them with a
/// single copy) and their pinned staging twin, and the fp32 logits with their pinned landing buffer.
/// </summary>
internal sealed class CudaStepBuffers : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public CudaStepBuffers(CudaDevice device, ModelConfig c, int maxTokens, int maxSequences, int maxBlocksPerSequence,
        int maxSplitTokens, int maxSplits, int logitRows)
    {
        MaxTokens = maxTokens;
        MaxBlocksPerSequence = maxBlocksPerSequence;
        LogitRows = logitRows;
        var qkvWidth = (c.NumAttentionHeads + 2 * c.NumKeyValueHeads) * c.HeadDim;
        Residual = Own(device.Allocate(4L * maxTokens * c.HiddenSize));
        Normed = Own(device.Allocate(2L * maxTokens * c.HiddenSize));
        Qkv = Own(device.Allocate(2L * maxTokens * qkvWidth));
        Attention = Own(device.Allocate(2L * maxTokens * c.NumAttentionHeads * c.HeadDim));
        Projected = Own(device.Allocate(2L * maxTokens * c.HiddenSize));
        GateUp = Own(device.Allocate(4L * maxTokens * c.IntermediateSize));
        Activated = Own(device.Allocate(2L * maxTokens * c.IntermediateSize));
        LogitInputs = Own(device.Allocate(2L * maxTokens * c.HiddenSize));
        Logits = Own(device.Allocate(4L * logitRows * c.VocabSize));
        LogitsHost = Own(device.AllocatePinned(4L * logitRows * c.VocabSize));
        var splitRows = (long)maxSplitTokens * c.NumAttentionHeads * maxSplits;
        PartialMl = Own(device.Allocate(4L * Math.Max(1, splitRows) * 2));
        PartialAcc = Own(device.Allocate(4L * Math.Max(1, splitRows) * c.HeadDim));
        SplitCounters = Own(device.Allocate(4L * Math.Max(1, maxSplitTokens) * c.NumKeyValueHeads));
        ArgmaxScratch = Own(device.Allocate(8L * logitRows * Ops.CudaOps.MaxArgmaxChunks));
        ArgmaxCounters = Own(device.Allocate(4L * logitRows));

        // Integer inputs: [ids | positions | token→sequence | slots | logit rows] × maxTokens, then block tables.
        IntCount = 5 * maxTokens + maxSequences * maxBlocksPerSequence;
        Ints = Own(device.Allocate(4L * IntCount));
        IntsHost = Own(device.AllocatePinned(4L * IntCount));

        // Sampling parameters per logits row: [temperature | top-k | top-p | uniform] × logitRows.
        Sampling = Own(device.Allocate(16L * logitRows));
        SamplingHost = Own(device.AllocatePinned(16L * logitRows));
    }

    public int MaxTokens { get; }

    public int MaxBlocksPerSequence { get; }

    public int LogitRows { get; }

    public int IntCount { get; }

    public DeviceBuffer Residual { get; }

    public DeviceBuffer Normed { get; }

    public DeviceBuffer Qkv { get; }

    public DeviceBuffer Attention { get; }

    public DeviceBuffer Projected { get; }

    public DeviceBuffer GateUp { get; }

    public DeviceBuffer Activated { get; }

    public DeviceBuffer LogitInputs { get; }

    public DeviceBuffer Logits { get; }

    public PinnedBuffer LogitsHost { get; }

    public DeviceBuffer PartialMl { get; }

    public DeviceBuffer PartialAcc { get; }

    /// <summary>int per (split token, KV head): the decode kernel's arrival counters (AttentionArgs.SplitCounters); zeroed
    /// once by the runner, and each launch leaves them at 0.</summary>
    public DeviceBuffer SplitCounters { get; }

    /// <summary>The chunked argmax's (value, index) pairs and its per-row arrival counters (CudaOps.ArgmaxRows); the
    /// counters are zeroed once by the runner, and each launch leaves them at 0.</summary>
    public DeviceBuffer ArgmaxScratch { get; }

    public DeviceBuffer ArgmaxCounters { get; }

    public DeviceBuffer Ints { get; }

    public PinnedBuffer IntsHost { get; }

    public DeviceBuffer Sampling { get; }

    public PinnedBuffer SamplingHost { get; }

    public ulong TokenIds => Ints.At(0);

    public ulong Positions => Ints.At(4L * MaxTokens);

    public ulong TokenSequence => Ints.At(8L * MaxTokens);

    public ulong Slots => Ints.At(12L * MaxTokens);

    public ulong LogitRowIndices => Ints.At(16L * MaxTokens);

    public ulong BlockTables => Ints.At(20L * MaxTokens);

    /// <summary>The pinned twin of the integer region; section <paramref name="index"/> as above (5 = block tables).</summary>
    public Span<int> HostSection(int index, int count) => IntsHost.AsSpan<int>(4L * MaxTokens * index, count);

    public long Bytes
    {
        get
        {
            long total = 0;
            foreach (var item in _owned)
                if (item is DeviceBuffer b)
                    total += b.Bytes;
            return total;
        }
    }

    public void Dispose()
    {
        foreach (var item in _owned)
            item.Dispose();
        _owned.Clear();
    }

    private T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }
}
