using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Leases;

/// <summary>
/// Keeps one worker's lease alive: registers at start, renews every <see cref="ClusterOptions.RenewInterval"/>,
/// deregisters on dispose. A failed renewal is retried at the next tick (the lease has a second chance before it
/// expires); because a renewal is a full register, a store that lost its data (a Redis restart) gets the worker back
/// at the next tick.
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly IClusterDirectory _directory;
    private readonly TimeSpan _renewInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private WorkerCard _card;
    private Task _loop = Task.CompletedTask;
    private int _renewals;

    public LeaseKeeper(IClusterDirectory directory, WorkerCard card, ClusterOptions options, TimeProvider? time = null, ILogger<LeaseKeeper>? logger = null)
    {
        options.Validate();
        _directory = directory;
        _card = card;
        _renewInterval = options.RenewInterval;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public WorkerCard Card => Volatile.Read(ref _card);

    /// <summary>Successful renewals since start (not counting the first registration).</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Registers (throwing if that fails, so a silo does not serve unregistered) and starts renewing.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _directory.RegisterAsync(Card, cancellationToken).ConfigureAwait(false);
        // Called directly so the first renewal timer exists when StartAsync returns (a test's clock may move next).
        _loop = RenewLoopAsync();
    }

    /// <summary>Replaces the card (a role change); it is written at once and on every renewal after.</summary>
    public ValueTask UpdateAsync(WorkerCard card, CancellationToken cancellationToken = default)
    {
        if (card.Id != Card.Id)
            throw new ArgumentException($"a lease keeper for {Card.Id} cannot carry {card.Id}'s card", nameof(card));
        Volatile.Write(ref _card, card);
        return _directory.RegisterAsync(card, cancellationToken);
    }

    private async Task RenewLoopAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_renewInterval, _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await _directory.RegisterAsync(Card, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _renewals);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ClusterLog.RenewFailed(_logger, Card.Id.ToString(), ex.Message);
            }
        }
    }

    /// <summary>Stops renewing and deregisters, so gateways stop routing here before the TTL would tell them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        try
        {
            await _directory.DeregisterAsync(Card.Id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ClusterLog.DeregisterFailed(_logger, Card.Id.ToString(), ex.Message);
        }
        _stop.Dispose();
    }
}
