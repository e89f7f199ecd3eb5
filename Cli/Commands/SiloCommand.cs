using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo silo</c>: one worker node. One engine per GPU (<c>--gpus 0,1</c>) or one CPU engine (<c>--cpu</c>, the default),
/// each behind its own worker API port, registered in Redis with a lease, its KV events and load published there;
/// Ctrl+C or SIGTERM drains every worker, deregisters them and exits 0.
/// </summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var redis = new Option<string>("--redis") { Description = "Redis as HOST:PORT", Required = true };
        var model = new Option<string>("--model") { Description = ModelArgument.Description, Required = true };
        var node = new Option<string>("--node") { Description = "Node name in the worker id (default: the machine name)", DefaultValueFactory = _ => Environment.MachineName };
        var host = new Option<string>("--host") { Description = "Address the worker API listens on (and the gateway dials, unless --advertise-address names another)", DefaultValueFactory = _ => "127.0.0.1" };
        var advertise = new Option<string?>("--advertise-address") { Description = "Host name or IP the gateway dials, when it is not --host (e.g. with --host 0.0.0.0)" };
        var port = new Option<int>("--port") { Description = "Port of the worker API (0 picks a free one)", DefaultValueFactory = _ => 9100 };
        var role = new Option<string>("--role") { Description = "Worker role", DefaultValueFactory = _ => "aggregated" };
        role.AcceptOnlyFromAmong("aggregated", "prefill", "decode");
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per KV cache block", DefaultValueFactory = _ => 16 };
        var drain = new Option<double>("--drain-timeout") { Description = "Seconds a stop waits for in-flight requests", DefaultValueFactory = _ => 30 };
        var gpus = new Option<string?>("--gpus") { Description = "Comma-separated CUDA devices, one worker each (ids node/0, node/1, ...; ports --port, --port+1, ...)" };
        var cpu = new Option<bool>("--cpu") { Description = "One worker on the CPU backend (the default without --gpus)" };
        var gpuMemory = new Option<double>("--gpu-memory-utilization") { Description = "With --gpus: fraction of each GPU's memory for weights, scratch and KV cache", DefaultValueFactory = _ => 0.9 };
        var command = new Command("silo", "Run a worker node that registers in Redis and serves the worker API")
        {
            redis, model, node, host, advertise, port, role, blockSize, drain, gpus, cpu, gpuMemory,
        };
        command.SetAction((parse, cancel) => CliRun.GuardAsync(async () =>
        {
            var devices = Devices(parse.GetValue(gpus), parse.GetValue(cpu));
            var cuda = new CudaOptions { GpuMemoryUtilization = parse.GetValue(gpuMemory) };
            if (devices[0] is not null)
            {
                if (!CudaEngine.IsAvailable(out var reason))
                    throw new CliException($"--gpus: {reason}");
                if (cuda.Validate() is { Count: > 0 } errors)
                    throw new CliException($"--gpu-memory-utilization: {string.Join("; ", errors)}");
            }
            var folder = await ModelArgument.ResolveAsync(parse.GetValue(model)!, cancel);
            var options = new SiloHostOptions
            {
                Redis = parse.GetValue(redis)!,
                ModelFolder = folder,
                Node = parse.GetValue(node)!,
                Host = parse.GetValue(host)!,
                AdvertiseAddress = parse.GetValue(advertise),
                Port = parse.GetValue(port),
                Role = Enum.Parse<WorkerRole>(parse.GetValue(role)!, ignoreCase: true),
                Engine = new EngineOptions { ModelName = parse.GetValue(model)!, BlockSize = parse.GetValue(blockSize) },
                DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(drain)),
                Cuda = cuda,
            };
            if (options.AdvertiseAddress is null && options.Host is "0.0.0.0" or "::")
                await Console.Error.WriteLineAsync($"warning: --host {options.Host} without --advertise-address: gateways on other machines cannot dial the address the card carries");
            return await RunAsync(options, devices, Console.Out, cancel);
        }));
        return command;
    }

    /// <summary>The workers <c>--gpus</c> and <c>--cpu</c> ask for: one per listed GPU, or a single CPU worker (null).</summary>
    internal static IReadOnlyList<int?> Devices(string? gpus, bool cpu)
    {
        if (string.IsNullOrWhiteSpace(gpus))
            return [null];
        if (cpu)
            throw new CliException("--cpu and --gpus exclude each other: a silo runs either one CPU worker or one worker per GPU");
        var devices = new List<int?>();
        foreach (var part in gpus.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
                throw new CliException($"--gpus: '{part}' is not a GPU number (expected e.g. --gpus 0,1)");
            if (devices.Contains(ordinal))
                throw new CliException($"--gpus: GPU {ordinal} is listed twice");
            devices.Add(ordinal);
        }
        return devices;
    }

    public static async Task<int> RunAsync(SiloHostOptions options, IReadOnlyList<int?> devices, TextWriter log, CancellationToken cancellationToken)
    {
        // SIGTERM (Kubernetes, systemd) and Ctrl+C both mean "drain and leave"; handled here, not by the runtime's
        // default, so the process stays up until the drain is done and exits 0.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await using var silo = await SiloNode.StartAsync(options, devices, cancellationToken: stop.Token);
        foreach (var worker in silo.Workers)
        {
            var where = devices[worker.Card.Id.Gpu] is { } gpu ? $"CUDA device {gpu}" : "the CPU backend";
            await log.WriteLineAsync($"Worker {worker.Card.Id} runs on {where}");
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Silo worker {worker.Card.Id} serving '{worker.Card.Model}' at {worker.Card.Address}, registered in Redis at {options.Redis} - Ctrl+C drains and stops"));
        }
        await log.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await log.WriteLineAsync($"Draining ({silo.NumInFlight} in flight)...");
        await silo.StopAsync(options.DrainTimeout);
        await log.WriteLineAsync("Stopped.");
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
