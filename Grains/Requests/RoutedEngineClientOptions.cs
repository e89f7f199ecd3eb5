using DynamoOrleans.Routing;

namespace DynamoOrleans.Grains.Requests;

/// <summary>Settings of a <see cref="RoutedEngineClient"/>; <see cref="Validate"/> runs in its constructor.</summary>
public sealed class RoutedEngineClientOptions
{
    /// <summary>
    /// The router's settings. Its default mode, kv, needs the caller to feed <c>Router.Index</c> from
    /// the KV event bus; without a bus use predicted (the router remembers its own decisions).
    /// </summary>
    public KvRouterOptions Router { get; init; } = new();

    /// <summary>How many times one request may move to another worker before the caller gets the failure.</summary>
    public int MigrationLimit { get; init; } = 3;

    /// <summary>
    /// A worker whose reported KV usage (used / total blocks) is at or above this fraction counts as
    /// busy; when every eligible worker is busy the request is refused with
    /// <see cref="NoWorkerAvailableException"/> instead of queueing behind them. Null turns the check off.
    /// </summary>
    public double? BusyKvUsageThreshold { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Router);
        Router.Validate();
        if (MigrationLimit < 0)
            throw new ArgumentOutOfRangeException(nameof(MigrationLimit), MigrationLimit, "the migration limit must be 0 or more");
        if (BusyKvUsageThreshold is { } busy && (busy <= 0 || busy > 1 || double.IsNaN(busy)))
            throw new ArgumentOutOfRangeException(nameof(BusyKvUsageThreshold), busy, "the busy threshold must be in (0, 1]");
    }
}
