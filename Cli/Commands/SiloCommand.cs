using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo silo</c>: one worker node. A CPU engine behind the worker API, registered in Redis with a lease,
/// its KV events and load published there; Ctrl+C or SIGTERM drains it, deregisters it and exits 0.
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
        var command = new Command("silo", "Run a worker node that registers in Redis and serves the worker API") { redis, model, node, host, advertise, port, role, blockSize, drain };
        command.SetAction((parse, cancel) => CliRun.GuardAsync(async () =>
        {
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
            };
            if (options.AdvertiseAddress is null && options.Host is "0.0.0.0" or "::")
                await Console.Error.WriteLineAsync($"warning: --host {options.Host} without --advertise-address: gateways on other machines cannot dial the address the card carries");
            return await RunAsync(options, Console.Out, cancel);
        }));
        return command;
    }

    public static async Task<int> RunAsync(SiloHostOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        // SIGTERM (Kubernetes, systemd) and Ctrl+C both mean "drain and leave"; handled here, not by the runtime's
        // default, so the process stays up until the drain is done and exits 0.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var silo = await SiloHost.StartAsync(options, cancellationToken: stop.Token);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Silo worker {silo.Card.Id} serving '{silo.Card.Model}' at {silo.Card.Address}, registered in Redis at {options.Redis} - Ctrl+C drains and stops"));
        await log.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await log.WriteLineAsync($"Draining ({silo.Service.NumInFlight} in flight)...");
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
