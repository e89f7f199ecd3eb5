using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Backends.Cuda.Compilation;
using DynamoOrleans.Engine.Backends.Cuda.Ops;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// Runs Llama-shaped models (Llama, Qwen3; Qwen2 and Mistral once biases and sliding windows are in) on one
/// GPU: bf16 weights and KV cache, fp32 accumulation and residual stream, cuBLASLt for every linear layer,
/// NVRTC kernels for the rest. Prefill and decode tokens of a batch go through each GEMM together.
/// </summary>
public sealed partial class CudaModelRunner : IDeviceSamplingRunner
{
    private const int MaxSplits = 32;

    private readonly ModelConfig _config;
    private readonly CudaDevice _device;
    private readonly CudaStream _stream;
    private readonly CudaModule _module;
    private readonly CudaOps _ops;
    private readonly TensorCoreAttention? _tensorCore;
    private readonly CublasLtGemm _gemm;
    private readonly SkinnyLinear? _skinny;
    private readonly bool _fuseDecodeNorms;
    private readonly bool _alwaysFuseDecodeNorms;
    private readonly bool _splitMixedAttention;
    private readonly bool _ropeInDecodeAttention;
    private readonly bool?[] _normsFused = new bool?[CudaOps.GemvMaxRows + 1];
    private readonly AttentionPath _decodePath;
    private readonly CudaLayerWeights[] _layers;
    private readonly DeviceBuffer _embedding;
    private readonly DeviceBuffer _lmHead;
    private readonly DeviceBuffer _finalNorm;
    private readonly DeviceBuffer _invFreq;
    private readonly CudaStepBuffers _buffers;
    private readonly DeviceBuffer _kvCache;
    private readonly DecodeGraphs? _graphs;
    private DecodeStage _skippedStage;
    private readonly int _maxSplitTokens;
    private readonly bool _combineSplitsInKernel;
    private readonly float _eps;
    private readonly float _scale;
    private bool _disposed;

    public CudaModelRunner(ModelFolder model, CudaRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new CudaRunnerOptions();
        options.Validate();
        _config = model.Config;
        var c = _config;
        CheckSupported(c);
        MaxBatchTokens = options.MaxBatchTokens;
        MaxSequences = options.MaxSequences;
        BlockSize = options.BlockSize;
        _eps = (float)c.RmsNormEps;
        _scale = 1f / MathF.Sqrt(c.HeadDim);

        _device = CudaDevice.Open(options.DeviceOrdinal);
        var owned = new List<IDisposable> { _device };
        try
        {
            _stream = Own(owned, _device.CreateStream());
            _module = Own(owned, KernelModuleLoader.Load(_device, earlyDependentLaunch: options.EarlyDependentLaunch));
            ProgrammaticLaunch = options.ProgrammaticLaunch && _device.ComputeCapabilityMajor >= 9;
            _ops = new CudaOps(_module, ProgrammaticLaunch, options.SplitGemvRows, options.WideDecodeAttention, options.PreloadDecodeKv);
            if (options.TensorCorePrefill && TensorCoreAttention.Supports(_device, c.HeadDim))
                _tensorCore = Own(owned, TensorCoreAttention.Load(_device));
            _gemm = Own(owned, new CublasLtGemm(_device));
            _skinny = options.DecodeGemv ? new SkinnyLinear(_ops, _gemm, options.AlwaysDecodeGemv) : null;
            _fuseDecodeNorms = options.FuseDecodeNorms;
            _alwaysFuseDecodeNorms = options.AlwaysFuseDecodeNorms;
            _splitMixedAttention = options.SplitMixedAttention;
            _decodePath = options.DecodeAttention ? AttentionPath.Decode : AttentionPath.Paged;
            // RoPE in the prologue and the in-kernel split merge exist only in decode_attention.cu.
            var onDecodeKernel = _decodePath == AttentionPath.Decode && _ops.DecodeAttentionTakes(c.HeadDim, c.NumAttentionHeads, c.NumKeyValueHeads);
            _ropeInDecodeAttention = options.RopeInDecodeAttention && onDecodeKernel;
            _combineSplitsInKernel = options.CombineSplitsInKernel && onDecodeKernel;

            var uploader = new WeightUploader(_device, _stream);
            var tensors = model.Tensors;
            _embedding = Own(owned, uploader.Upload(tensors.Embedding));
            _lmHead = tensors.IsLmHeadTied ? _embedding : Own(owned, uploader.Upload(tensors.LmHead));
            _finalNorm = Own(owned, uploader.Upload(tensors.FinalNorm));
            _layers = new CudaLayerWeights[c.NumLayers];
            for (var l = 0; l < c.NumLayers; l++)
            {
                var t = tensors.Layers[l];
                _layers[l] = Own(owned, new CudaLayerWeights
                {
                    InputNorm = uploader.Upload(t.InputNorm),
                    Qkv = uploader.Concat([t.QProj, t.KProj, t.VProj]),
                    O = uploader.Upload(t.OProj),
                    QNorm = t.QNorm is { } qn ? uploader.Upload(qn) : null,
                    KNorm = t.KNorm is { } kn ? uploader.Upload(kn) : null,
                    PostAttentionNorm = uploader.Upload(t.PostAttentionNorm),
                    GateUp = uploader.InterleaveRows(t.GateProj, t.UpProj),
                    Down = uploader.Upload(t.DownProj),
                });
            }
            WeightBytes = uploader.BytesUploaded;
            _invFreq = Own(owned, DeviceBuffer.Upload<float>(_device, c.Rope.InverseFrequencies(c.HeadDim), _stream));

            var modelContext = Math.Min(c.MaxPositionEmbeddings, options.MaxContextLength ?? int.MaxValue);
            var maxBlocksPerSequence = ForwardBatch.BlocksFor(modelContext, BlockSize);
            _maxSplitTokens = Math.Min(MaxBatchTokens, (2 * _device.MultiprocessorCount + c.NumKeyValueHeads - 1) / c.NumKeyValueHeads);
            _buffers = Own(owned, new CudaStepBuffers(_device, c, MaxBatchTokens, MaxSequences, maxBlocksPerSequence,
                _maxSplitTokens, MaxSplits, logitRows: Math.Min(MaxBatchTokens, Math.Max(MaxSequences, 256))));
            _buffers.SplitCounters.Fill(0, _stream);
            _buffers.ArgmaxCounters.Fill(0, _stream);

            var bytesPerBlock = 2L * c.NumLayers * BlockSize * c.NumKeyValueHeads * c.HeadDim * 2;
            NumKvBlocks = options.NumKvBlocks ?? BlocksFromFreeMemory(options.GpuMemoryUtilization, bytesPerBlock);
            _kvCache = Own(owned, _device.Allocate(NumKvBlocks * bytesPerBlock));
            MaxContextLength = (int)Math.Min(modelContext, (long)NumKvBlocks * BlockSize);
            if (options.UseCudaGraphs)
                _graphs = Own(owned, new DecodeGraphs(Math.Min(Math.Min(MaxSequences, MaxBatchTokens), _buffers.LogitRows), MaxContextLength));
            _stream.Synchronize();
        }
        catch
        {
            for (var i = owned.Count - 1; i >= 0; i--)
                owned[i].Dispose();
            throw;
        }
    }

    public ModelConfig Config => _config;

    /// <summary>Whether kernels launch with programmatic dependent launch (<see cref="CudaRunnerOptions.ProgrammaticLaunch"/> on an sm_90+ GPU).</summary>
    public bool ProgrammaticLaunch { get; }

    public CudaDevice Device => _device;

    public int BlockSize { get; }

    public int NumKvBlocks { get; }

    public int VocabSize => _config.VocabSize;

    public int MaxContextLength { get; }

    public int MaxBatchTokens { get; }

    public int MaxSequences { get; }

    public long WeightBytes { get; }

    public long KvCacheBytes => _kvCache.Bytes;

    /// <summary>Decode graphs captured so far.</summary>
    public int NumCapturedGraphs => _graphs?.Count ?? 0;

    /// <summary>
    /// Profiling only (bench cuda-runner --stage-profile): from the next step no layer launches the kernels of
    /// <paramref name="stage"/>, and decode graphs are captured afresh. What the step saves is that stage's cost in
    /// place (beside its neighbours, under programmatic launch and graphs, with the L2 as the step leaves it), which
    /// timing kernels alone misses. The outputs are wrong meanwhile; <see cref="DecodeStage.None"/> restores the runner.
    /// </summary>
    public void ProfileWithoutStage(DecodeStage stage)
    {
        _device.MakeCurrent();
        _stream.Synchronize();
        _skippedStage = stage;
        _graphs?.Clear();
    }

    /// <summary>Whether the step launches the kernels of <paramref name="stage"/>: always, but while profiling without it.</summary>
    private bool Runs(DecodeStage stage) => stage != _skippedStage;

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _device.MakeCurrent();
        _stream.Synchronize();
        _graphs?.Dispose();
        _kvCache.Dispose();
        _buffers.Dispose();
        _invFreq.Dispose();
        foreach (var layer in _layers)
            layer.Dispose();
        _finalNorm.Dispose();
        if (!ReferenceEquals(_lmHead, _embedding))
            _lmHead.Dispose();
        _embedding.Dispose();
        _gemm.Dispose();
        _tensorCore?.Dispose();
        _module.Dispose();
        _stream.Dispose();
        _device.Dispose();
    }

    private int BlocksFromFreeMemory(double utilization, long bytesPerBlock)
    {
        var (free, total) = _device.MemoryInfo();
        var used = total - free;
        var budget = (long)(total * utilization) - used;
        var blocks = budget / bytesPerBlock;
        if (blocks < 1)
            throw new InvalidOperationException(
                $"no room for a KV cache on {_device.Name}: {used >> 20} MiB of {total >> 20} MiB in use after loading, " +
                $"GpuMemoryUtilization {utilization} allows {(long)(total * utilization) >> 20} MiB; a block takes {bytesPerBlock} bytes");
        return (int)Math.Min(blocks, int.MaxValue / 2);
    }

    private static void CheckSupported(ModelConfig c)
    {
        if (c.AttentionBias || c.OutputProjectionBias)
            throw new NotSupportedException($"{c.Architecture}: projection biases are not implemented in the CUDA backend yet");
        if (c.SlidingWindow is not null)
            throw new NotSupportedException($"{c.Architecture}: sliding-window attention is not implemented in the CUDA backend yet");
        if (!CudaOps.SupportedHeadDims.Contains(c.HeadDim))
            throw new NotSupportedException($"head_dim {c.HeadDim}: the CUDA attention kernel supports {string.Join(", ", CudaOps.SupportedHeadDims)}");
        if (c.NumAttentionHeads / c.NumKeyValueHeads > CudaOps.MaxQueryHeadsPerKvHead)
            throw new NotSupportedException($"{c.NumAttentionHeads / c.NumKeyValueHeads} query heads per KV head; the CUDA attention kernel supports up to {CudaOps.MaxQueryHeadsPerKvHead}");
    }

    private static T Own<T>(List<IDisposable> owned, T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }
}
