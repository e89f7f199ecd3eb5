namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>KV block operations the block manager asks for besides forward steps.</summary>
public sealed partial class CudaModelRunner
{
    /// <summary>Copies KV blocks (source, destination) in every layer, e.g. copy-on-write of a shared prefix.</summary>
    public void CopyBlocks(ReadOnlySpan<(int Source, int Destination)> pairs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pairs.IsEmpty)
            return;
        _device.MakeCurrent();
        var b = _buffers;
        // The pairs travel through the integer staging region, which holds at least 5 × MaxTokens ints.
        var perCopy = 5 * b.MaxTokens / 2;
        var blockElements = BlockSize * _config.NumKeyValueHeads * _config.HeadDim;
        for (var start = 0; start < pairs.Length; start += perCopy)
        {
            var n = Math.Min(perCopy, pairs.Length - start);
            var staging = b.HostSection(0, 2 * n);
            for (var i = 0; i < n; i++)
            {
                var (src, dst) = pairs[start + i];
                if ((uint)src >= (uint)NumKvBlocks || (uint)dst >= (uint)NumKvBlocks)
                    throw new ArgumentOutOfRangeException(nameof(pairs), $"block pair ({src}, {dst}) is outside 0..{NumKvBlocks - 1}");
                staging[2 * i] = src;
                staging[2 * i + 1] = dst;
            }
            b.IntsHost.CopyToDevice(b.Ints.Pointer, 0, 8L * n, _stream);
            _ops.CopyKvBlocks(_kvCache.Pointer, b.Ints.Pointer, n, 2 * _config.NumLayers, (long)NumKvBlocks * blockElements, blockElements, _stream);
            _stream.Synchronize();
        }
    }
}
