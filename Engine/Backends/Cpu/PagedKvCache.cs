namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Keys and values of every layer in fixed blocks: per layer one K and one V buffer laid out
/// <c>[numBlocks, blockSize, numKvHeads, headDim]</c> in native memory. Which blocks a sequence owns is
/// the block manager's business; this only turns (block table, position) into an address.
/// </summary>
internal sealed unsafe class PagedKvCache : IDisposable
{
    private readonly NativeBuffer<float>[] _keys;
    private readonly NativeBuffer<float>[] _values;

    public PagedKvCache(int numLayers, int numKvHeads, int headDim, KvCacheOptions options)
    {
        BlockSize = options.BlockSize;
        NumKvHeads = numKvHeads;
        HeadDim = headDim;
        SlotStride = numKvHeads * headDim;
        var bytesPerBlock = (long)numLayers * 2 * BlockSize * SlotStride * sizeof(float);
        NumBlocks = options.ResolveNumBlocks(bytesPerBlock);
        var floatsPerLayer = (long)NumBlocks * BlockSize * SlotStride;
        _keys = new NativeBuffer<float>[numLayers];
        _values = new NativeBuffer<float>[numLayers];
        try
        {
            for (var l = 0; l < numLayers; l++)
            {
                // Not zeroed: a slot is always written before any query reads it, and untouched pages stay uncommitted.
                _keys[l] = new NativeBuffer<float>(floatsPerLayer);
                _values[l] = new NativeBuffer<float>(floatsPerLayer);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        BytesAllocated = bytesPerBlock * NumBlocks;
    }

    public int BlockSize { get; }

    public int NumBlocks { get; }

    public int NumKvHeads { get; }

    public int HeadDim { get; }

    /// <summary>Floats per token slot: all KV heads of one position.</summary>
    public int SlotStride { get; }

    public long BytesAllocated { get; }

    public float* Keys(int layer) => _keys[layer].Pointer;

    public float* Values(int layer) => _values[layer].Pointer;

    /// <summary>The slot holding position <paramref name="position"/> of a sequence with <paramref name="blockTable"/>.</summary>
    public long Slot(int* blockTable, int position) =>
        (long)blockTable[position / BlockSize] * BlockSize + position % BlockSize;

    public void Dispose()
    {
        foreach (var b in _keys)
            b?.Dispose();
        foreach (var b in _values)
            b?.Dispose();
    }
}
