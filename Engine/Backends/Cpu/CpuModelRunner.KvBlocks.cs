namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Whole KV blocks in and out of the cache: what KV offload (to host memory or disk) and disaggregated
/// prefill (a decode worker pulling a prefill worker's blocks) move. A block's image is every layer's
/// K then V for that block, <c>[layers, 2, blockSize, kvHeads, headDim]</c> fp32.
/// </summary>
public sealed unsafe partial class CpuModelRunner
{
    /// <summary>Floats in one block's image.</summary>
    public int KvBlockFloats => _config.NumLayers * 2 * _cache.BlockSize * _cache.SlotStride;

    public void ExportKvBlock(int block, Span<float> destination)
    {
        CheckBlock(block, destination.Length);
        var perHalf = _cache.BlockSize * _cache.SlotStride;
        var offset = (long)block * perHalf;
        for (var l = 0; l < _config.NumLayers; l++)
        {
            new ReadOnlySpan<float>(_cache.Keys(l) + offset, perHalf).CopyTo(destination.Slice((2 * l) * perHalf, perHalf));
            new ReadOnlySpan<float>(_cache.Values(l) + offset, perHalf).CopyTo(destination.Slice((2 * l + 1) * perHalf, perHalf));
        }
    }

    public void ImportKvBlock(int block, ReadOnlySpan<float> source)
    {
        CheckBlock(block, source.Length);
        var perHalf = _cache.BlockSize * _cache.SlotStride;
        var offset = (long)block * perHalf;
        for (var l = 0; l < _config.NumLayers; l++)
        {
            source.Slice((2 * l) * perHalf, perHalf).CopyTo(new Span<float>(_cache.Keys(l) + offset, perHalf));
            source.Slice((2 * l + 1) * perHalf, perHalf).CopyTo(new Span<float>(_cache.Values(l) + offset, perHalf));
        }
    }

    /// <summary>Copies block <paramref name="source"/> onto <paramref name="destination"/> in every layer (copy-on-write of a shared prefix block).</summary>
    public void CopyKvBlock(int source, int destination)
    {
        CheckBlock(source, KvBlockFloats);
        CheckBlock(destination, KvBlockFloats);
        var perHalf = _cache.BlockSize * _cache.SlotStride;
        for (var l = 0; l < _config.NumLayers; l++)
        {
            new ReadOnlySpan<float>(_cache.Keys(l) + (long)source * perHalf, perHalf).CopyTo(new Span<float>(_cache.Keys(l) + (long)destination * perHalf, perHalf));
            new ReadOnlySpan<float>(_cache.Values(l) + (long)source * perHalf, perHalf).CopyTo(new Span<float>(_cache.Values(l) + (long)destination * perHalf, perHalf));
        }
    }

    private void CheckBlock(int block, int floats)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)block >= (uint)NumKvBlocks)
            throw new ArgumentOutOfRangeException(nameof(block), block, $"blocks run from 0 to {NumKvBlocks - 1}");
        if (floats != KvBlockFloats)
            throw new ArgumentException($"a block image holds {KvBlockFloats} floats; {floats} given");
    }
}
