using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Backends.Cuda.Ops;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>The forward step: embedding, the decoder layers, then logits for the wanted rows.</summary>
public sealed partial class CudaModelRunner
{
    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        _device.MakeCurrent();
        var maxContext = PackInputs(batch, logits);
        var tokens = batch.NumTokens;
        var c = _config;
        var b = _buffers;
        _ops.EmbeddingGather(b.Residual.Pointer, _embedding.Pointer, b.TokenIds, tokens, c.HiddenSize, _stream);
        _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, 0, _layers[0].InputNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
        var (splits, splitLength) = tokens <= _maxSplitTokens
            ? AttentionArgs.ChooseSplits(tokens, c.NumKeyValueHeads, maxContext, _device.MultiprocessorCount, MaxSplits)
            : (1, int.MaxValue);
        for (var l = 0; l < _layers.Length; l++)
        {
            var nextNorm = l + 1 < _layers.Length ? _layers[l + 1].InputNorm : _finalNorm;
            Layer(l, tokens, splits, splitLength, nextNorm);
        }
        Logits(batch, logits);
    }

    private void Layer(int l, int tokens, int splits, int splitLength, DeviceBuffer nextNorm)
    {
        var c = _config;
        var w = _layers[l];
        var b = _buffers;
        int hq = c.NumAttentionHeads, hkv = c.NumKeyValueHeads, d = c.HeadDim;
        var qkvWidth = (hq + 2 * hkv) * d;

        _gemm.Linear(b.Normed.Pointer, w.Qkv.Pointer, b.Qkv.Pointer, tokens, qkvWidth, c.HiddenSize, GemmOutput.Bf16, _stream);
        _ops.QkNormRope(b.Qkv.Pointer, b.Positions, _invFreq.Pointer, w.QNorm?.Pointer ?? 0, w.KNorm?.Pointer ?? 0,
            tokens, hq, hkv, d, _eps, _stream);
        var (kCache, vCache) = CacheOf(l);
        _ops.KvWrite(kCache, vCache, b.Qkv.Pointer, b.Slots, tokens, hq, hkv, d, _stream);
        _ops.PagedAttention(new AttentionArgs
        {
            Output = b.Attention.Pointer, Qkv = b.Qkv.Pointer, KCache = kCache, VCache = vCache,
            TokenSequence = b.TokenSequence, Positions = b.Positions, BlockTables = b.BlockTables,
            PartialMl = b.PartialMl.Pointer, PartialAcc = b.PartialAcc.Pointer,
            Tokens = tokens, MaxBlocksPerSequence = b.MaxBlocksPerSequence, BlockSize = BlockSize,
            NumQHeads = hq, NumKvHeads = hkv, HeadDim = d, Scale = _scale, Splits = splits, SplitLength = splitLength,
        }, _stream);
        _gemm.Linear(b.Attention.Pointer, w.O.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, hq * d, GemmOutput.Bf16, _stream);
        _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, b.Projected.Pointer, w.PostAttentionNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);

        _gemm.Linear(b.Normed.Pointer, w.GateUp.Pointer, b.GateUp.Pointer, tokens, 2 * c.IntermediateSize, c.HiddenSize, GemmOutput.Bf16, _stream);
        _ops.SiluMul(b.Activated.Pointer, b.GateUp.Pointer, tokens, c.IntermediateSize, _stream);
        _gemm.Linear(b.Activated.Pointer, w.Down.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, c.IntermediateSize, GemmOutput.Bf16, _stream);
        _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, b.Projected.Pointer, nextNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
    }

    /// <summary>Gathers the wanted rows of the final normed hidden state and runs lm_head over them in chunks that fit the pinned logits buffer.</summary>
    private unsafe void Logits(ForwardBatch batch, Span<float> logits)
    {
        var b = _buffers;
        var rows = batch.NumLogitRows;
        var hidden = _config.HiddenSize;
        var vocab = VocabSize;
        _ops.GatherRows(b.LogitInputs.Pointer, b.Normed.Pointer, b.LogitRowIndices, rows, hidden, _stream);
        for (var start = 0; start < rows; start += b.LogitRows)
        {
            var n = Math.Min(b.LogitRows, rows - start);
            _gemm.Linear(b.LogitInputs.At(2L * start * hidden), _lmHead.Pointer, b.Logits.Pointer, n, vocab, hidden, GemmOutput.Fp32, _stream);
            var bytes = 4L * n * vocab;
            b.LogitsHost.CopyFromDevice(b.Logits.Pointer, 0, bytes, _stream);
            _stream.Synchronize();
            new ReadOnlySpan<float>(b.LogitsHost.Pointer, n * vocab).CopyTo(logits.Slice(start * vocab));
        }
    }

    /// <summary>K and V of layer <paramref name="layer"/>: the cache holds [layer][K|V][slot][Hkv][D] back to back.</summary>
    private (ulong K, ulong V) CacheOf(int layer)
    {
        var perCache = 2L * NumKvBlocks * BlockSize * _config.NumKeyValueHeads * _config.HeadDim;
        return (_kvCache.At(2 * layer * perCache), _kvCache.At((2 * layer + 1) * perCache));
    }

    /// <summary>Copies KV blocks (source, destination) in every layer, e.g. copy-on-write of a shared prefix.</summary>
    public void CopyBlocks(ReadOnlySpan<(int Source, int Destination)> pairs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (pairs.IsEmpty)
            return;
        _device.MakeCurrent();
        var b = _buffers;
        var count = Math.Min(pairs.Length, b.MaxTokens / 2 * 5);
        for (var start = 0; start < pairs.Length; start += count)
        {
            var n = Math.Min(count, pairs.Length - start);
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
            var blockElements = BlockSize * _config.NumKeyValueHeads * _config.HeadDim;
            _ops.CopyKvBlocks(_kvCache.Pointer, b.Ints.Pointer, n, 2 * _config.NumLayers, (long)NumKvBlocks * blockElements, blockElements, _stream);
            _stream.Synchronize();
        }
    }
}
