using System.CommandLine;
using System.Globalization;
using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;
using Microsoft.Extensions.Hosting;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo serve</c>: embedded mode. The OpenAI-compatible gateway with an in-process engine (CPU, or one
/// CUDA GPU with <c>--device cuda</c>), no Redis and no network hop between them. Flag names follow vLLM's
/// where they mean the same.
/// </summary>
internal static class ServeCommand
{
    public sealed record Settings(
        string Model, string Host, int Port, string? ApiKey, string? ServedModelName, bool UseGenerationConfig,
        int MaxNumSeqs, int MaxNumBatchedTokens, int BlockSize, double? KvCacheGib, int? MaxModelLen, int MaxActiveRequests, int? Seed,
        string Device = "cpu", double GpuMemoryUtilization = 0.9);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = ModelArgument.Description, Required = true };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => 8000 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on every /v1 route (default: $DYNAMO_API_KEY)" };
        var servedName = new Option<string?>("--served-model-name") { Description = "The model name clients send (default: the folder or Hub id)" };
        var generationConfig = new Option<string>("--generation-config") { Description = "'auto': the model's generation_config.json sets default sampling; 'vllm': plain defaults", DefaultValueFactory = _ => "auto" };
        generationConfig.AcceptOnlyFromAmong("auto", "vllm");
        var maxSeqs = new Option<int>("--max-num-seqs") { Description = "Sequences running at once at most", DefaultValueFactory = _ => 64 };
        var maxTokens = new Option<int>("--max-num-batched-tokens") { Description = "Tokens computed per engine step at most", DefaultValueFactory = _ => 2048 };
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per KV cache block", DefaultValueFactory = _ => 16 };
        var kvGib = new Option<double?>("--kv-cache-gib") { Description = "KV cache size in GiB (default: the runner's)" };
        var maxLen = new Option<int?>("--max-model-len") { Description = "Cap on prompt + output tokens" };
        var maxActive = new Option<int>("--max-active-requests") { Description = "Requests in flight beyond which new ones get 503 (0: no limit)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int?>("--seed") { Description = "Seeds the sampler of requests that bring no seed, so whole runs repeat" };
        var device = new Option<string>("--device") { Description = "Where the model runs: 'cpu', or 'cuda' (one NVIDIA GPU)", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var gpuMemory = new Option<double>("--gpu-memory-utilization") { Description = "With --device cuda: fraction of GPU memory for weights, scratch and KV cache (the cache takes the rest)", DefaultValueFactory = _ => 0.9 };
        var command = new Command("serve", "Serve the OpenAI-compatible API with an in-process engine (embedded mode)")
        {
            model, host, port, apiKey, servedName, generationConfig, maxSeqs, maxTokens, blockSize, kvGib, maxLen, maxActive, seed, device, gpuMemory,
        };
        command.SetAction((parse, cancel) => CliRun.GuardAsync(() => RunAsync(
            new Settings(
                parse.GetValue(model)!, parse.GetValue(host)!, parse.GetValue(port),
                parse.GetValue(apiKey) ?? NonEmpty(Environment.GetEnvironmentVariable("DYNAMO_API_KEY")),
                parse.GetValue(servedName), parse.GetValue(generationConfig) == "auto",
                parse.GetValue(maxSeqs), parse.GetValue(maxTokens), parse.GetValue(blockSize), parse.GetValue(kvGib),
                parse.GetValue(maxLen), parse.GetValue(maxActive), parse.GetValue(seed),
                parse.GetValue(device)!, parse.GetValue(gpuMemory)),
            Console.Out, cancel)));
        return command;
    }

    public static async Task<int> RunAsync(Settings settings, TextWriter log, CancellationToken cancellationToken)
    {
        var useCuda = settings.Device == "cuda";
        if (useCuda && !CudaEngine.IsAvailable(out var reason))
            throw new CliException($"--device cuda: {reason}");
        var cudaOptions = new CudaOptions { GpuMemoryUtilization = settings.GpuMemoryUtilization };
        if (useCuda && cudaOptions.Validate() is { Count: > 0 } cudaErrors)
            throw new CliException($"--gpu-memory-utilization: {string.Join("; ", cudaErrors)}");
        var folder = await ModelArgument.ResolveAsync(settings.Model, cancellationToken);
        var name = settings.ServedModelName ?? settings.Model;
        var engineOptions = new EngineOptions
        {
            ModelName = name,
            MaxSequences = settings.MaxNumSeqs,
            MaxBatchTokens = settings.MaxNumBatchedTokens,
            BlockSize = settings.BlockSize,
            KvCacheBytes = settings.KvCacheGib is { } gib ? (long)(gib * (1L << 30)) : null,
            MaxContextLength = settings.MaxModelLen,
            Seed = settings.Seed,
        };
        var gatewayOptions = new GatewayOptions
        {
            Host = settings.Host,
            Port = settings.Port,
            ApiKey = settings.ApiKey,
            ServedModelName = name,
            MaxActiveRequests = settings.MaxActiveRequests,
            DefaultSampling = settings.UseGenerationConfig ? SamplingDefaults.From(GenerationConfig.Load(folder)) : new SamplingParams(),
        };
        gatewayOptions.Validate();

        var preprocessor = ModelPreprocessor.FromDirectory(folder);
        await using var engine = useCuda ? CudaEngine.Start(folder, engineOptions, cudaOptions) : CpuEngine.Start(folder, engineOptions);
        await using var app = await GatewayHost.CreateAsync(gatewayOptions, engine, preprocessor, cancellationToken: cancellationToken);
        var address = GatewayHost.BaseAddress(app);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Serving '{name}' on {settings.Device} ({engine.Model.MaxContextLength} tokens of context, KV blocks of {engine.Model.BlockSize}) at {address}v1 - Ctrl+C stops"));
        await log.FlushAsync(cancellationToken);
        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return 0;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
