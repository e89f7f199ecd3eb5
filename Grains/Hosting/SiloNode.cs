using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// A silo process: one <see cref="SiloHost"/> (worker grain) per GPU, ids <c>node/0</c>, <c>node/1</c>, … in the
/// order the devices are given, or a single CPU worker. Each worker has its own engine, lease, event stream and
/// worker API port (the base port plus its index, or a free one each when the base port is 0), so the gateway
/// routes to every GPU on its own.
/// </summary>
public sealed class SiloNode : IAsyncDisposable
{
    private readonly SiloHost[] _workers;

    private SiloNode(SiloHost[] workers) => _workers = workers;

    public IReadOnlyList<SiloHost> Workers => _workers;

    /// <param name="template">Settings every worker shares; its Port is the first worker's.</param>
    /// <param name="devices">One entry per worker: a CUDA device ordinal, or null for a CPU worker.</param>
    public static async Task<SiloNode> StartAsync(SiloHostOptions template, IReadOnlyList<int?> devices, ILoggerFactory? loggers = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count == 0)
            throw new ArgumentException("a silo needs at least one worker", nameof(devices));
        if (devices.Where(d => d is not null).GroupBy(d => d).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"GPU {twice.Key} is listed twice; each GPU serves one worker", nameof(devices));
        var workers = new List<SiloHost>(devices.Count);
        try
        {
            // One after another: each engine sizes its KV cache from what is free, which a parallel load on a shared
            // device would misjudge, and the CPU backend's load is short anyway.
            for (var i = 0; i < devices.Count; i++)
            {
                var options = template with { WorkerIndex = i, Gpu = devices[i], Port = template.Port == 0 ? 0 : template.Port + i };
                workers.Add(await SiloHost.StartAsync(options, loggers, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var worker in workers)
                await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new SiloNode([.. workers]);
    }

    /// <summary>Drains every worker at once (each refuses new work, finishes what it has up to <paramref name="timeout"/>, deregisters).</summary>
    public Task StopAsync(TimeSpan timeout) => Task.WhenAll(_workers.Select(w => w.StopAsync(timeout)));

    public int NumInFlight => _workers.Sum(w => w.Service.NumInFlight);

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
            await worker.DisposeAsync().ConfigureAwait(false);
    }
}
