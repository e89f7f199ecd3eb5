using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Metrics;

namespace DynamoOrleans.Gateway.Tests.Metrics;

public sealed class GatewayMetricsTests
{
    [Fact]
    public void WriteText_AfterObservations_ParsesWithCumulativeBuckets()
    {
        var metrics = new GatewayMetrics();
        metrics.TimeToFirstToken.Observe(0.003);
        metrics.TimeToFirstToken.Observe(0.5);
        metrics.TimeToFirstToken.Observe(1e6);
        metrics.CountRequest("chat_completions", 200);
        metrics.CountRequest("chat_completions", 200);
        metrics.CountRequest("chat_completions", 400);
        metrics.RequestStarted();

        var samples = PrometheusText.Parse(metrics.WriteText("m\"x", new EngineLoad(3, 4, 5, 6, 0.25, 7, 8)));

        Assert.Equal(2, PrometheusText.Value(samples, "dynamo_frontend_requests_total", "{endpoint=\"chat_completions\",status=\"200\"}"));
        Assert.Equal(1, PrometheusText.Value(samples, "dynamo_frontend_active_requests"));
        Assert.Equal(1, PrometheusText.Value(samples, "dynamo_frontend_queued_requests"));
        Assert.Equal(3, PrometheusText.Value(samples, "dynamo_engine_running_requests", "{model=\"m\\\"x\"}"));
        Assert.Equal(3, PrometheusText.Value(samples, "dynamo_frontend_time_to_first_token_seconds_count"));
        Assert.Equal(3, PrometheusText.Value(samples, "dynamo_frontend_time_to_first_token_seconds_bucket", "{le=\"+Inf\"}"));
        var buckets = samples.Where(s => s.Name == "dynamo_frontend_time_to_first_token_seconds_bucket").Select(s => s.Value).ToList();
        Assert.Equal(buckets.OrderBy(v => v), buckets);
        Assert.All(samples, s => Assert.StartsWith("dynamo_", s.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void WriteText_ExternalCounterAndGauge_ReadAtEachScrapeWithTheirType()
    {
        var metrics = new GatewayMetrics();
        long migrations = 0;
        var workers = 3.0;
        metrics.AddCounter("dynamo_frontend_migrations_total", "Streams moved.", () => migrations);
        metrics.AddGauge("dynamo_frontend_workers", "Workers.", () => workers);
        var load = new EngineLoad(0, 0, 0, 0, 0, 0, 0);

        var before = metrics.WriteText("m", load);
        migrations = 2;
        workers = 2;
        var after = PrometheusText.Parse(metrics.WriteText("m", load));

        Assert.Equal(0, PrometheusText.Value(PrometheusText.Parse(before), "dynamo_frontend_migrations_total"));
        Assert.Contains("# TYPE dynamo_frontend_migrations_total counter\n", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE dynamo_frontend_workers gauge\n", before, StringComparison.Ordinal);
        Assert.Equal(2, PrometheusText.Value(after, "dynamo_frontend_migrations_total"));
        Assert.Equal(2, PrometheusText.Value(after, "dynamo_frontend_workers"));
    }

    [Fact]
    public void Histogram_ValueOnBound_CountsInThatBucket()
    {
        var h = new Histogram("dynamo_x", "x", [1, 2, 4]);
        h.Observe(2);
        var text = new System.Text.StringBuilder();
        h.WriteTo(text);
        Assert.Contains("dynamo_x_bucket{le=\"1\"} 0\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("dynamo_x_bucket{le=\"2\"} 1\n", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, h.Sum);
    }

    [Fact]
    public void LogBuckets_AreLogSpaced()
    {
        Assert.Equal([0.001, 0.002, 0.004, 0.008], Histogram.LogBuckets(0.001, 2, 4));
    }

    [Fact]
    public void Histogram_ConcurrentObservations_SumAndCountExact()
    {
        var h = new Histogram("dynamo_y", "y", Histogram.LogBuckets(1, 2, 10));
        Parallel.For(0, 10_000, _ => h.Observe(1));
        Assert.Equal(10_000, h.Count);
        Assert.Equal(10_000, h.Sum);
    }
}
