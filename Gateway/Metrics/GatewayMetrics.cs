using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Gateway.Metrics;

/// <summary>
/// The gateway's metrics registry, written as Prometheus text (format 0.0.4). prometheus-net is
/// not in this project's registry, so this small writer covers what /metrics needs.
/// </summary>
public sealed class GatewayMetrics
{
    private readonly ConcurrentDictionary<(string Endpoint, int Status), StrongBox<long>> _requests = new();
    // Values owned elsewhere (cluster mode's routed client), read at each scrape; append-only.
    private readonly ConcurrentQueue<(string Name, string Help, string Type, Func<double> Read)> _external = new();
    private long _active;
    private long _queued;

    public Histogram TimeToFirstToken { get; } = new("dynamo_frontend_time_to_first_token_seconds", "Time from request arrival to its first token.", Histogram.LogBuckets(0.001, 2, 18));

    public Histogram InterTokenLatency { get; } = new("dynamo_frontend_inter_token_latency_seconds", "Time between consecutive tokens of a choice.", Histogram.LogBuckets(0.0001, 2, 18));

    public Histogram RequestDuration { get; } = new("dynamo_frontend_request_duration_seconds", "Time from request arrival to its last byte.", Histogram.LogBuckets(0.001, 2, 20));

    public Histogram InputSequenceTokens { get; } = new("dynamo_frontend_input_sequence_tokens", "Prompt length in tokens.", Histogram.LogBuckets(1, 2, 20));

    public Histogram OutputSequenceTokens { get; } = new("dynamo_frontend_output_sequence_tokens", "Generated tokens per request, all choices.", Histogram.LogBuckets(1, 2, 20));

    public Histogram CachedTokens { get; } = new("dynamo_frontend_cached_tokens", "Prompt tokens served from the prefix cache.", Histogram.LogBuckets(1, 2, 20));

    public long ActiveRequests => Interlocked.Read(ref _active);

    public long QueuedRequests => Interlocked.Read(ref _queued);

    /// <summary>Counts a request in; returns how many are now active, this one included.</summary>
    public long RequestStarted()
    {
        Interlocked.Increment(ref _queued);
        return Interlocked.Increment(ref _active);
    }

    /// <summary>The request got its first token: it leaves the queue.</summary>
    public void RequestDequeued() => Interlocked.Decrement(ref _queued);

    public void RequestEnded(bool wasQueued)
    {
        Interlocked.Decrement(ref _active);
        if (wasQueued) Interlocked.Decrement(ref _queued);
    }

    public void CountRequest(string endpoint, int status) =>
        Interlocked.Increment(ref _requests.GetOrAdd((endpoint, status), static _ => new StrongBox<long>()).Value);

    public long RequestCount(string endpoint, int status) =>
        _requests.TryGetValue((endpoint, status), out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>Exports a counter that another component keeps (for example migrations); read at each scrape.</summary>
    public void AddCounter(string name, string help, Func<long> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _external.Enqueue((name, help, "counter", () => read()));
    }

    /// <summary>Exports a gauge that another component keeps (for example the number of workers); read at each scrape.</summary>
    public void AddGauge(string name, string help, Func<double> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _external.Enqueue((name, help, "gauge", read));
    }

    public string WriteText(string model, EngineLoad load)
    {
        var text = new StringBuilder(8192);
        text.Append("# HELP dynamo_frontend_requests_total Requests by endpoint and HTTP status.\n# TYPE dynamo_frontend_requests_total counter\n");
        foreach (var ((endpoint, status), box) in _requests.OrderBy(p => p.Key.Endpoint, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            text.Append("dynamo_frontend_requests_total{endpoint=\"").Append(endpoint).Append("\",status=\"")
                .Append(status.ToString(CultureInfo.InvariantCulture)).Append("\"} ")
                .Append(Interlocked.Read(ref box.Value).ToString(CultureInfo.InvariantCulture)).Append('\n');
        Gauge(text, "dynamo_frontend_active_requests", "Requests in flight.", ActiveRequests);
        Gauge(text, "dynamo_frontend_queued_requests", "Requests waiting for their first token.", QueuedRequests);
        foreach (var h in new[] { TimeToFirstToken, InterTokenLatency, RequestDuration, InputSequenceTokens, OutputSequenceTokens, CachedTokens })
            h.WriteTo(text);
        var label = "{model=\"" + Escape(model) + "\"}";
        Gauge(text, "dynamo_engine_running_requests", "Sequences the engine is running.", load.NumRunning, label);
        Gauge(text, "dynamo_engine_waiting_requests", "Sequences waiting in the engine's queue.", load.NumWaiting, label);
        Gauge(text, "dynamo_engine_kv_blocks_used", "KV cache blocks in use.", load.KvBlocksUsed, label);
        Gauge(text, "dynamo_engine_kv_blocks_total", "KV cache blocks in all.", load.KvBlocksTotal, label);
        Gauge(text, "dynamo_engine_prefix_hit_rate", "Share of prompt tokens served from the prefix cache.", load.PrefixHitRate, label);
        Gauge(text, "dynamo_engine_active_prefill_tokens", "Prompt tokens waiting for or in prefill.", load.ActivePrefillTokens, label);
        Gauge(text, "dynamo_engine_active_decode_blocks", "KV blocks of decoding sequences.", load.ActiveDecodeBlocks, label);
        foreach (var (name, help, type, read) in _external)
            Gauge(text, name, help, read(), type: type);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, double value, string labels = "", string type = "gauge")
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        text.Append(name).Append(labels).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
