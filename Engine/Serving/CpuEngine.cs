using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Serving;

/// <summary>Builds engines on the CPU backend from a Hugging Face model folder.</summary>
public static class CpuEngine
{
    /// <summary>Opens <paramref name="modelFolder"/> and starts an engine loop on its own thread; dispose the client to stop it.</summary>
    public static EngineClient Start(string modelFolder, EngineOptions options, IKvEventSink? kvEvents = null) =>
        new(Create(modelFolder, options, kvEvents));

    /// <summary>Opens <paramref name="modelFolder"/> and returns a synchronous engine that owns the runner and the mapped weights.</summary>
    public static LlmEngine Create(string modelFolder, EngineOptions options, IKvEventSink? kvEvents = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        var model = ModelFolder.Open(modelFolder);
        CpuModelRunner? runner = null;
        try
        {
            var kv = new KvCacheOptions { BlockSize = options.BlockSize, NumBlocks = options.MaxKvBlocks };
            if (options.KvCacheBytes is { } bytes)
                kv = kv with { MemoryBudgetBytes = bytes };
            runner = new CpuModelRunner(model, kv, options.MaxBatchTokens, options.MaxSequences);
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

    private sealed class Owned(CpuModelRunner runner, ModelFolder model) : IDisposable
    {
        public void Dispose()
        {
            runner.Dispose();
            model.Dispose();
        }
    }
}
