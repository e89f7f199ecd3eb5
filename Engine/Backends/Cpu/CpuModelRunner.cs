using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Runs Llama-shaped models (Llama, Qwen2, Qwen3, Mistral) on the CPU in fp32 over weights that stay
/// memory-mapped in their file dtype, with a paged KV cache in native memory. All tokens of a batch
/// (prefill chunks and decodes alike) pass through each weight matrix together. One Forward at a
/// time: the runner owns one set of scratch buffers.
/// </summary>
public sealed unsafe partial class CpuModelRunner : IModelRunner
{
    private readonly ModelConfig _config;
    private readonly CpuWeight _embedding;
    private readonly CpuWeight _lmHead;
    private readonly float[] _finalNorm;
    private readonly CpuLayerWeights[] _layers;
    private readonly RotaryEmbedding _rope;
    private readonly PagedKvCache _cache;
    private readonly CpuScratch _scratch;
    private readonly LinearJob _linear;
    private readonly AttentionJob _attention;
    private readonly int _maxSequences;
    private readonly float _eps;
    private readonly IDisposable _weightsMapping;
    private bool _disposed;

    public CpuModelRunner(ModelFolder model, KvCacheOptions kv, int maxBatchTokens = 2048, int maxSequences = 256)
        : this(model, kv, maxBatchTokens, maxSequences, rope: null)
    {
    }

    /// <summary>Lets tests swap the RoPE parameters, e.g. to reproduce a reference's position quantisation.</summary>
    internal CpuModelRunner(ModelFolder model, KvCacheOptions kv, int maxBatchTokens, int maxSequences, RopeConfig? rope)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(kv);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        _config = model.Config;
        var c = _config;
        var tensors = model.Tensors;
        _maxSequences = maxSequences;
        MaxBatchTokens = maxBatchTokens;
        _eps = (float)c.RmsNormEps;
        // The kernels hold raw pointers into the mapped files, so the mapping must outlive the folder's owner.
        _weightsMapping = model.Weights.RetainMappings();
        try
        {
            _embedding = new CpuWeight(tensors.Embedding);
            _lmHead = tensors.IsLmHeadTied ? _embedding : new CpuWeight(tensors.LmHead);
            _finalNorm = tensors.FinalNorm.ToFloatArray();
            _layers = new CpuLayerWeights[c.NumLayers];
            for (var l = 0; l < _layers.Length; l++)
                _layers[l] = new CpuLayerWeights(tensors.Layers[l]);

            _rope = new RotaryEmbedding(rope ?? c.Rope, c.HeadDim);
            _cache = new PagedKvCache(c.NumLayers, c.NumKeyValueHeads, c.HeadDim, kv);
            MaxContextLength = (int)Math.Min(c.MaxPositionEmbeddings, (long)_cache.NumBlocks * _cache.BlockSize);
            var qDim = c.NumAttentionHeads * c.HeadDim;
            var kvDim = c.NumKeyValueHeads * c.HeadDim;
            _scratch = new CpuScratch(maxBatchTokens, c.HiddenSize, qDim, kvDim, c.IntermediateSize, c.HeadDim);
            _linear = new LinearJob();
            _attention = new AttentionJob(_cache, c.NumAttentionHeads, MaxContextLength, c.SlidingWindow);
        }
        catch
        {
            // A half-built runner releases what it got: fields not yet assigned are still null here.
            Dispose();
            throw;
        }
    }

    public ModelConfig Config => _config;

    public int BlockSize => _cache.BlockSize;

    public int NumKvBlocks => _cache.NumBlocks;

    public int VocabSize => _config.VocabSize;

    public int MaxContextLength { get; }

    public int MaxBatchTokens { get; }

    public int MaxSequences => _maxSequences;

    /// <summary>Bytes of native memory reserved for K and V of every layer.</summary>
    public long KvCacheBytes => _cache.BytesAllocated;

    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        Validate(batch, logits);
        var tokens = batch.NumTokens;
        var s = _scratch;
        fixed (int* positions = batch.Positions)
        fixed (int* blockTables = batch.BlockTables)
        fixed (float* output = logits)
        {
            for (var i = 0; i < tokens; i++)
                _embedding.CopyRow(batch.TokenIds[i], new Span<float>(s.Hidden + (long)i * _config.HiddenSize, _config.HiddenSize));
            _rope.Prepare(batch.Positions.AsSpan(0, tokens), s.Cos, s.Sin);
            for (var l = 0; l < _layers.Length; l++)
            {
                Attention(l, _layers[l], tokens, positions, blockTables, batch.MaxBlocksPerSequence);
                Mlp(_layers[l], tokens);
            }
            Logits(batch, output);
        }
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var layer in _layers ?? [])
            layer?.Dispose();
        if (!ReferenceEquals(_lmHead, _embedding))
            _lmHead?.Dispose();
        _embedding?.Dispose();
        _linear?.Dispose();
        _attention?.Dispose();
        _scratch?.Dispose();
        _cache?.Dispose();
        _weightsMapping.Dispose();
    }
}
