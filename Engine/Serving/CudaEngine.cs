using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Model;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Serving;

/// <summary>Builds engines on the CUDA backend (one GPU) from a Hugging Face model folder; the same loop and client as <see cref="CpuEngine"/>.</summary>
public static class CudaEngine
{
    /// <summary>Whether a CUDA GPU can be used here; <paramref name="reason"/> says why not, e.g. "no CUDA driver (libcuda.so.1) found".</summary>
    public static bool IsAvailable(out string reason) => CudaDevice.IsAvailable(out reason);

    /// <summary>Opens <paramref name="modelFolder"/> on the GPU and starts an engine loop on its own thread; dispose the client to stop it.</summary>
    public static EngineClient Start(string modelFolder, EngineOptions options, CudaOptions? cuda = null, IKvEventSink? kvEvents = null) =>
        new(Create(modelFolder, options, cuda, kvEvents));

    /// <summary>Opens <paramref name="modelFolder"/> on the GPU and returns a synchronous engine that owns the runner and the mapped weights.</summary>
    /// <exception cref="InvalidOperationException">No usable CUDA driver or device; the message says which.</exception>
    public static LlmEngine Create(string modelFolder, EngineOptions options, CudaOptions? cuda = null, IKvEventSink? kvEvents = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        cuda ??= new CudaOptions();
        if (cuda.Validate() is { Count: > 0 } errors)
            throw new ArgumentException("invalid CUDA options: " + string.Join("; ", errors));
        if (!CudaDevice.IsAvailable(out var reason))
            throw new InvalidOperationException($"CUDA is not available: {reason}");

        var model = ModelFolder.Open(modelFolder);
        CudaModelRunner? runner = null;
        try
        {
            runner = new CudaModelRunner(model, RunnerOptions(model.Config, options, cuda));
            var name = options.ModelName ?? Path.GetFileName(model.Directory.TrimEnd(Path.DirectorySeparatorChar));
            var card = new ModelCard(name, runner.MaxContextLength, runner.BlockSize, runner.VocabSize, model.EosTokenIds);
            return new LlmEngine(runner, options, card, kvEvents, new Owned(runner, model));
        }
        catch
        {
            runner?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The runner's sizing from the engine's options: an explicit KV size (bytes or blocks) wins over
    /// GpuMemoryUtilization, and the context cap also bounds the per-sequence block tables on the device.
    /// </summary>
    internal static CudaRunnerOptions RunnerOptions(ModelConfig config, EngineOptions options, CudaOptions cuda)
    {
        var bytesPerBlock = 2L * config.NumLayers * options.BlockSize * config.NumKeyValueHeads * config.HeadDim * sizeof(ushort);
        int? blocks = options.KvCacheBytes is { } bytes ? (int)Math.Clamp(bytes / bytesPerBlock, 1, int.MaxValue / 2) : null;
        if (options.MaxKvBlocks is { } cap)
            blocks = Math.Min(blocks ?? cap, cap);
        return new CudaRunnerOptions
        {
            DeviceOrdinal = cuda.DeviceOrdinal,
            BlockSize = options.BlockSize,
            GpuMemoryUtilization = cuda.GpuMemoryUtilization,
            NumKvBlocks = blocks,
            MaxBatchTokens = options.MaxBatchTokens,
            MaxSequences = options.MaxSequences,
            MaxContextLength = options.MaxContextLength,
            UseCudaGraphs = cuda.UseCudaGraphs,
            TensorCorePrefill = cuda.TensorCorePrefill,
            DecodeGemv = cuda.DecodeGemv,
            DecodeAttention = cuda.DecodeAttention,
            ProgrammaticLaunch = cuda.ProgrammaticLaunch,
            FuseDecodeNorms = cuda.FuseDecodeNorms,
            SplitMixedAttention = cuda.SplitMixedAttention,
            RopeInDecodeAttention = cuda.RopeInDecodeAttention,
            EarlyDependentLaunch = cuda.EarlyDependentLaunch,
            CombineSplitsInKernel = cuda.CombineSplitsInKernel,
            SplitGemvRows = cuda.SplitGemvRows,
            WideDecodeAttention = cuda.WideDecodeAttention,
            PreloadDecodeKv = cuda.PreloadDecodeKv,
        };
    }

    private sealed class Owned(CudaModelRunner runner, ModelFolder model) : IDisposable
    {
        public void Dispose()
        {
            runner.Dispose();
            model.Dispose();
        }
    }
}
