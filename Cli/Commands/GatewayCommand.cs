using System.CommandLine;
using System.Globalization;
using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Routing;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo gateway</c>: the OpenAI API over the workers registered in Redis. Without <c>--model-dir</c> it serves
/// every model the live workers register, with the tokenizer and chat template their silos publish to Redis; with
/// it, that one model. Requests are routed (KV-aware by default) among the workers of their model and migrated
/// when a worker's stream breaks.
/// </summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var redis = new Option<string>("--redis") { Description = "Redis as HOST:PORT", Required = true };
        var modelDir = new Option<string?>("--model-dir")
        {
            Description = "Serve only this model (folder or Hub id), with its tokenizer and chat template (default: every model the workers in Redis register, with the files their silos publish)",
        };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => 8000 };
        var mode = new Option<string>("--router-mode") { Description = "How a worker is chosen", DefaultValueFactory = _ => "kv" };
        mode.AcceptOnlyFromAmong("kv", "predicted", "round-robin", "random", "least-loaded");
        var migrationLimit = new Option<int>("--migration-limit") { Description = "Times a broken stream moves to another worker before the request fails", DefaultValueFactory = _ => 3 };
        var busy = new Option<double?>("--busy-threshold") { Description = "KV cache usage (0-1] at which a worker counts as busy; when every worker is, requests get 503 (default: off)" };
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per KV block; must match the workers'", DefaultValueFactory = _ => 16 };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on every /v1 route (default: $DYNAMO_API_KEY)" };
        var servedName = new Option<string?>("--served-model-name") { Description = "With --model-dir: the model name clients send (default: the workers')" };
        var command = new Command("gateway", "Serve the OpenAI-compatible API over the workers registered in Redis, for every model they serve (or only --model-dir's)")
        {
            redis, modelDir, host, port, mode, migrationLimit, blockSize, apiKey, servedName, busy,
        };
        command.SetAction((parse, cancel) => CliRun.GuardAsync(async () =>
        {
            var folder = parse.GetValue(modelDir) is { } model ? await ModelArgument.ResolveAsync(model, cancel) : null;
            if (folder is null && parse.GetValue(servedName) is not null)
                throw new CliException("--served-model-name needs --model-dir: without it each model is served under the name its silos register (their --model)");
            var key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("DYNAMO_API_KEY");
            var options = new ClusterGatewayHostOptions
            {
                Redis = parse.GetValue(redis)!,
                ModelFolder = folder,
                Gateway = new GatewayOptions
                {
                    Host = parse.GetValue(host)!,
                    Port = parse.GetValue(port),
                    ApiKey = string.IsNullOrEmpty(key) ? null : key,
                    ServedModelName = parse.GetValue(servedName),
                    // Discovered models take theirs from the generation_config.json their silos publish.
                    DefaultSampling = folder is null ? new SamplingParams() : SamplingDefaults.From(GenerationConfig.Load(folder)),
                },
                Routing = new RoutedEngineClientOptions
                {
                    Router = new KvRouterOptions { Mode = parse.GetValue(mode)!, BlockSize = parse.GetValue(blockSize) },
                    MigrationLimit = parse.GetValue(migrationLimit),
                    BusyKvUsageThreshold = parse.GetValue(busy) is { } threshold && (threshold <= 0 || threshold > 1 || double.IsNaN(threshold))
                        ? throw new CliException($"--busy-threshold must be in (0, 1], not {threshold.ToString(CultureInfo.InvariantCulture)}")
                        : parse.GetValue(busy),
                },
            };
            return await RunAsync(options, Console.Out, cancel);
        }));
        return command;
    }

    public static async Task<int> RunAsync(ClusterGatewayHostOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync(options.ModelFolder is null
            ? $"Waiting for a worker in Redis at {options.Redis} (models come from the workers)..."
            : $"Waiting for a worker in Redis at {options.Redis}...");
        await log.FlushAsync(cancellationToken);
        // Membership changes, refused workers, migrations and Redis reconnects are what an operator watches for;
        // without a logger they were silent (a worker refused for its block size left the gateway waiting, saying nothing).
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        try
        {
            await using var gateway = await ClusterGatewayHost.StartAsync(options, loggers, cancellationToken: cancellationToken);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Gateway for '{gateway.Served.DisplayName}' ({gateway.NumWorkers} workers, router {options.Routing.Router.Mode}) at {gateway.BaseAddress}v1 - Ctrl+C stops"));
            await log.FlushAsync(cancellationToken);
            await gateway.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return 0;
    }
}
