using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Backends.Cuda.Ops;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>The forward step: embedding, the decoder layers, then logits (to the host) or greedy tokens (argmax on the device).</summary>
public sealed partial class CudaModelRunner
{
    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        var needed = (long)batch.NumLogitRows * VocabSize;
        if (logits.Length < needed)
            throw new ArgumentException($"logits holds {logits.Length} floats; {needed} needed ({batch.NumLogitRows} rows × {VocabSize})", nameof(logits));
        Run(batch);
        CopyLogits(batch.NumLogitRows, batch.NumTokens, logits);
    }

    /// <summary>
    /// Runs the step and picks each logit row's argmax on the device, so only the token ids cross the bus
    /// (a decode step of 128 sequences would otherwise copy 78 MB of Qwen3 logits).
    /// </summary>
    public unsafe void ForwardGreedy(ForwardBatch batch, Span<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        var rows = batch.NumLogitRows;
        if (rows > _buffers.LogitRows)
            throw new ArgumentException($"greedy decoding handles at most {_buffers.LogitRows} logit rows; the batch has {rows}", nameof(batch));
        if (tokens.Length < rows)
            throw new ArgumentException($"tokens holds {tokens.Length} ids; {rows} needed", nameof(tokens));
        Run(batch);
        var b = _buffers;
        _ops.ArgmaxRows(b.Ints.Pointer, b.Logits.Pointer, rows, VocabSize, _stream, b.ArgmaxScratch.Pointer, b.ArgmaxCounters.Pointer);
        b.IntsHost.CopyFromDevice(b.Ints.Pointer, 0, 4L * rows, _stream);
        _stream.Synchronize();
        new ReadOnlySpan<int>(b.IntsHost.Pointer, rows).CopyTo(tokens);
    }

    /// <summary>
    /// Runs the step and samples each logit row on the device (temperature, top-k, top-p; see
    /// <see cref="SamplingRow"/>); only the token ids cross the bus.
    /// </summary>
    public unsafe void ForwardSample(ForwardBatch batch, ReadOnlySpan<SamplingRow> sampling, Span<int> tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        var rows = batch.NumLogitRows;
        var b = _buffers;
        if (rows > b.LogitRows)
            throw new ArgumentException($"sampling handles at most {b.LogitRows} logit rows; the batch has {rows}", nameof(batch));
        if (sampling.Length < rows || tokens.Length < rows)
            throw new ArgumentException($"{rows} sampling rows and token slots needed; got {sampling.Length} and {tokens.Length}");
        var temperature = b.SamplingHost.AsSpan<float>(0, rows);
        var topK = b.SamplingHost.AsSpan<int>(4L * b.LogitRows, rows);
        var topP = b.SamplingHost.AsSpan<float>(8L * b.LogitRows, rows);
        var uniform = b.SamplingHost.AsSpan<float>(12L * b.LogitRows, rows);
        for (var r = 0; r < rows; r++)
        {
            var row = sampling[r];
            if (row.Uniform is < 0f or >= 1f || row.TopP is <= 0f or > 1f || row.TopK < 0)
                throw new ArgumentOutOfRangeException(nameof(sampling), $"row {r}: {row}");
            temperature[r] = row.Temperature;
            topK[r] = row.TopK;
            topP[r] = row.TopP;
            uniform[r] = row.Uniform;
        }
        Run(batch);
        b.SamplingHost.CopyToDevice(b.Sampling.Pointer, 0, 16L * b.LogitRows, _stream);
        _ops.SampleRows(b.Ints.Pointer, b.Logits.Pointer, b.Sampling.At(0), b.Sampling.At(4L * b.LogitRows),
            b.Sampling.At(8L * b.LogitRows), b.Sampling.At(12L * b.LogitRows), rows, VocabSize, _stream);
        b.IntsHost.CopyFromDevice(b.Ints.Pointer, 0, 4L * rows, _stream);
        _stream.Synchronize();
        new ReadOnlySpan<int>(b.IntsHost.Pointer, rows).CopyTo(tokens);
    }

    /// <summary>Uploads the inputs and queues the step up to the first chunk of logits, from a CUDA graph when one fits.</summary>
    private void Run(ForwardBatch batch)
    {
        _device.MakeCurrent();
        var maxContext = PackInputs(batch);
        var c = _config;
        if (_graphs is not null && IsPureDecode(batch) && _graphs.TryGetBucket(batch.NumSequences, out var bucket))
        {
            PadDecodeInputs(batch.NumSequences, bucket);
            UploadInputs(bucket);
            var (gSplits, gSplitLength) = AttentionArgs.ChooseSplits(
                bucket, c.NumKeyValueHeads, _graphs.ContextClass(maxContext), _device.MultiprocessorCount, MaxSplits);
            if (_graphs.TryGet(bucket, gSplits, gSplitLength, out var graph))
            {
                graph.Launch(_stream);
                return;
            }
            // First step of this shape: run it eagerly (its results are this step's), then capture it for the next.
            // A capture invalidated from another thread records nothing; the next step of the shape tries again.
            Body(bucket, gSplits, gSplitLength, bucket, _decodePath);
            if (_stream.TryCapture(() => Body(bucket, gSplits, gSplitLength, bucket, _decodePath), out var captured))
                _graphs.Add(bucket, gSplits, gSplitLength, captured);
            return;
        }
        UploadInputs(batch.NumSequences);
        var tokens = batch.NumTokens;
        // Steps that prefill take the tensor-core kernel when it is on; it needs no split of the key range.
        var tensorCore = _tensorCore is not null && tokens > batch.NumSequences;
        var path = tensorCore ? AttentionPath.TensorCorePrefill : IsPureDecode(batch) ? _decodePath : AttentionPath.Paged;
        // The scheduler puts a mixed step's decodes first: they take the decode kernel, the prefill tokens after them
        // flash_prefill (whose 128-row tiles would run one pass per decoding sequence, each query head on its own).
        var decodeTokens = tensorCore && _splitMixedAttention && _decodePath == AttentionPath.Decode ? LeadingDecodes(batch, out maxContext) : 0;
        var splitTokens = tensorCore ? decodeTokens : tokens;
        var (splits, splitLength) = splitTokens is > 0 && splitTokens <= _maxSplitTokens
            ? AttentionArgs.ChooseSplits(splitTokens, c.NumKeyValueHeads, maxContext, _device.MultiprocessorCount, MaxSplits)
            : (1, int.MaxValue);
        Body(tokens, splits, splitLength, batch.NumLogitRows, path, decodeTokens);
    }

    /// <summary>How many sequences at the head of the batch have one query token each, and their longest context.</summary>
    private static int LeadingDecodes(ForwardBatch batch, out int maxContext)
    {
        maxContext = 0;
        var n = 0;
        while (n < batch.NumSequences && batch.QueryLength(n) == 1)
            maxContext = Math.Max(maxContext, batch.ContextLengths[n++]);
        return n;
    }

    private static bool IsPureDecode(ForwardBatch batch) => !batch.ComputeAllLogits && batch.NumTokens == batch.NumSequences;

    /// <summary>Everything a step queues once its inputs are on the device; what a decode graph captures.</summary>
    /// <param name="decodeTokens">On the tensor-core path, how many leading tokens are whole decodes (one token of their sequence):
    /// their attention runs on the decode kernel with <paramref name="splits"/>.</param>
    private void Body(int tokens, int splits, int splitLength, int rows, AttentionPath path, int decodeTokens = 0)
    {
        var c = _config;
        var b = _buffers;
        var fusedNorms = NormsFused(tokens);
        _ops.EmbeddingGather(b.Residual.Pointer, _embedding.Pointer, b.TokenIds, tokens, c.HiddenSize, _stream);
        if (!fusedNorms)
            _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, 0, _layers[0].InputNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
        for (var l = 0; l < _layers.Length; l++)
        {
            var nextNorm = l + 1 < _layers.Length ? _layers[l + 1].InputNorm : _finalNorm;
            Layer(l, tokens, splits, splitLength, nextNorm, path, decodeTokens, fusedNorms);
        }
        if (fusedNorms)
            _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, 0, _finalNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
        if (rows != tokens)
            _ops.GatherRows(b.LogitInputs.Pointer, b.Normed.Pointer, b.LogitRowIndices, rows, c.HiddenSize, _stream);
        if (Runs(DecodeStage.LmHead))
            LmHead(LogitInputs(rows, tokens), 0, Math.Min(rows, b.LogitRows));
    }

    /// <summary>
    /// Whether a step of this many token rows folds its RMSNorms into the GEMVs (<see cref="CudaRunnerOptions.FuseDecodeNorms"/>):
    /// only where every linear layer of the shape takes the GEMV anyway, as <see cref="SkinnyLinear"/> timed it on a
    /// first, eager step (its timing writes only scratch buffers that the step rewrites).
    /// </summary>
    private bool NormsFused(int tokens)
    {
        var c = _config;
        if (_skinny is null || !_fuseDecodeNorms || !CudaOps.NormGemvFits(tokens, c.HiddenSize))
            return false;
        if (_alwaysFuseDecodeNorms)
            return true;
        if (_normsFused[tokens] is { } known)
            return known;
        if (_stream.IsCapturing)
            return false;
        var w = _layers[0];
        var b = _buffers;
        var qkvWidth = (c.NumAttentionHeads + 2 * c.NumKeyValueHeads) * c.HeadDim;
        var fused = _skinny.PrefersGemv(b.Normed.Pointer, w.Qkv.Pointer, b.Qkv.Pointer, tokens, qkvWidth, c.HiddenSize, GemmOutput.Bf16, _stream)
            && _skinny.PrefersGemv(b.Attention.Pointer, w.O.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, c.NumAttentionHeads * c.HeadDim, GemmOutput.Bf16, _stream)
            && _skinny.PrefersSwiGluGemv(b.Normed.Pointer, w.GateUp.Pointer, b.GateUp.Pointer, b.Activated.Pointer, tokens, 2 * c.IntermediateSize, c.HiddenSize, _stream)
            && _skinny.PrefersGemv(b.Activated.Pointer, w.Down.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, c.IntermediateSize, GemmOutput.Bf16, _stream);
        _normsFused[tokens] = fused;
        return fused;
    }

    /// <param name="fusedNorms">The GEMVs norm the residual stream themselves and add into it (<see cref="NormsFused"/>);
    /// otherwise add_rmsnorm follows the O and down projections, leaving the next norm's input in Normed.</param>
    private void Layer(int l, int tokens, int splits, int splitLength, DeviceBuffer nextNorm, AttentionPath path, int decodeTokens, bool fusedNorms)
    {
        var c = _config;
        var w = _layers[l];
        var b = _buffers;
        int hq = c.NumAttentionHeads, hkv = c.NumKeyValueHeads, d = c.HeadDim;
        var qkvWidth = (hq + 2 * hkv) * d;

        if (Runs(DecodeStage.QkvProjection))
        {
            if (fusedNorms)
                _ops.GemvNorm(b.Residual.Pointer, w.InputNorm.Pointer, _eps, w.Qkv.Pointer, b.Qkv.Pointer, tokens, qkvWidth, c.HiddenSize, _stream);
            else
                Linear(b.Normed.Pointer, w.Qkv.Pointer, b.Qkv.Pointer, tokens, qkvWidth, c.HiddenSize, GemmOutput.Bf16, _stream);
        }
        var (kCache, vCache) = CacheOf(l);
        // Pure decode: the attention kernel norms and rotates q and k and stores the keys and values itself. Otherwise
        // RoPE also stores them, one launch a layer fewer than a separate kv_write.
        var ropeInAttention = path == AttentionPath.Decode && _ropeInDecodeAttention;
        if (!ropeInAttention && Runs(DecodeStage.QkNormRope))
            _ops.QkNormRope(b.Qkv.Pointer, b.Positions, _invFreq.Pointer, w.QNorm?.Pointer ?? 0, w.KNorm?.Pointer ?? 0,
                tokens, hq, hkv, d, _eps, _stream, kCache, vCache, b.Slots);
        var attention = new AttentionArgs
        {
            Output = b.Attention.Pointer, Qkv = b.Qkv.Pointer, KCache = kCache, VCache = vCache,
            TokenSequence = b.TokenSequence, Positions = b.Positions, BlockTables = b.BlockTables,
            PartialMl = b.PartialMl.Pointer, PartialAcc = b.PartialAcc.Pointer,
            SplitCounters = _combineSplitsInKernel ? b.SplitCounters.Pointer : 0,
            Tokens = tokens, MaxBlocksPerSequence = b.MaxBlocksPerSequence, BlockSize = BlockSize,
            NumQHeads = hq, NumKvHeads = hkv, HeadDim = d, Scale = _scale, Splits = splits, SplitLength = splitLength,
            Rope = ropeInAttention ? new DecodeRope(_invFreq.Pointer, w.QNorm?.Pointer ?? 0, w.KNorm?.Pointer ?? 0, b.Slots, _eps) : null,
        };
        if (Runs(DecodeStage.Attention))
            Attend(attention, path, decodeTokens);
        if (fusedNorms)
        {
            if (Runs(DecodeStage.OProjection))
                _ops.GemvResidual(b.Attention.Pointer, w.O.Pointer, b.Residual.Pointer, tokens, c.HiddenSize, hq * d, _stream);
            if (Runs(DecodeStage.GateUpProjection))
                _ops.GemvNormSwiGlu(b.Residual.Pointer, w.PostAttentionNorm.Pointer, _eps, w.GateUp.Pointer, b.Activated.Pointer,
                    tokens, 2 * c.IntermediateSize, c.HiddenSize, _stream);
            if (Runs(DecodeStage.DownProjection))
                _ops.GemvResidual(b.Activated.Pointer, w.Down.Pointer, b.Residual.Pointer, tokens, c.HiddenSize, c.IntermediateSize, _stream);
            return;
        }
        if (Runs(DecodeStage.OProjection))
            Linear(b.Attention.Pointer, w.O.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, hq * d, GemmOutput.Bf16, _stream);
        if (Runs(DecodeStage.Norms))
            _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, b.Projected.Pointer, w.PostAttentionNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
        if (Runs(DecodeStage.GateUpProjection))
        {
            if (_skinny is not null)
            {
                _skinny.LinearSwiGlu(b.Normed.Pointer, w.GateUp.Pointer, b.GateUp.Pointer, b.Activated.Pointer, tokens, 2 * c.IntermediateSize, c.HiddenSize, _stream);
            }
            else
            {
                _gemm.Linear(b.Normed.Pointer, w.GateUp.Pointer, b.GateUp.Pointer, tokens, 2 * c.IntermediateSize, c.HiddenSize, GemmOutput.Bf16, _stream);
                _ops.SiluMul(b.Activated.Pointer, b.GateUp.Pointer, tokens, c.IntermediateSize, _stream);
            }
        }
        if (Runs(DecodeStage.DownProjection))
            Linear(b.Activated.Pointer, w.Down.Pointer, b.Projected.Pointer, tokens, c.HiddenSize, c.IntermediateSize, GemmOutput.Bf16, _stream);
        if (Runs(DecodeStage.Norms))
            _ops.AddRmsNorm(b.Normed.Pointer, b.Residual.Pointer, b.Projected.Pointer, nextNorm.Pointer, tokens, c.HiddenSize, _eps, _stream);
    }

    private void Attend(AttentionArgs attention, AttentionPath path, int decodeTokens)
    {
        switch (path)
        {
            case AttentionPath.TensorCorePrefill:
                if (decodeTokens > 0)
                    _ops.DecodeAttention(attention with { Tokens = decodeTokens }, _stream);
                _tensorCore!.Prefill(attention.FromToken(decodeTokens), _stream);
                break;
            case AttentionPath.Decode:
                _ops.DecodeAttention(attention, _stream);
                break;
            default:
                _ops.PagedAttention(attention, _stream);
                break;
        }
    }

    /// <summary><c>y = x · wᵀ</c>: few rows (decode) on the GEMV kernels where they are faster for the shape, the rest on cuBLASLt.</summary>
    private void Linear(ulong x, ulong w, ulong y, int m, int n, int k, GemmOutput output, CudaStream stream)
    {
        if (_skinny is not null)
            _skinny.Linear(x, w, y, m, n, k, output, stream);
        else
            _gemm.Linear(x, w, y, m, n, k, output, stream);
    }

    /// <summary>
    /// The normed rows the LM head reads: with as many logit rows as tokens, every token's row in order (a pure decode
    /// step, or all logits), read in place from Normed; otherwise the rows GatherRows picked.
    /// </summary>
    private DeviceBuffer LogitInputs(int rows, int tokens) => rows == tokens ? _buffers.Normed : _buffers.LogitInputs;

    /// <summary>fp32 logits of logit rows [start, start + n) of <paramref name="inputs"/> into the device logits buffer.</summary>
    private void LmHead(DeviceBuffer inputs, int start, int n) =>
        Linear(inputs.At(2L * start * _config.HiddenSize), _lmHead.Pointer, _buffers.Logits.Pointer,
            n, VocabSize, _config.HiddenSize, GemmOutput.Fp32, _stream);

    /// <summary>Brings the logits to the host through the pinned buffer, computing the chunks after the first as it goes.</summary>
    private unsafe void CopyLogits(int rows, int tokens, Span<float> logits)
    {
        var b = _buffers;
        var vocab = VocabSize;
        for (var start = 0; start < rows; start += b.LogitRows)
        {
            var n = Math.Min(b.LogitRows, rows - start);
            if (start > 0)
                LmHead(LogitInputs(rows, tokens), start, n);
            b.LogitsHost.CopyFromDevice(b.Logits.Pointer, 0, 4L * n * vocab, _stream);
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

    /// <summary>Which attention kernel a step's layers run.</summary>
    private enum AttentionPath
    {
        /// <summary>The general paged kernel: prefill on CUDA cores, mixed steps.</summary>
        Paged,

        /// <summary>One query token per sequence: the bandwidth-bound decode kernel.</summary>
        Decode,

        /// <summary>Steps that prefill, on tensor cores.</summary>
        TensorCorePrefill,
    }
}
