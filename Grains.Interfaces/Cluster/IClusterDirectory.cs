namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// Who is in the cluster. A worker holds a lease: <see cref="RegisterAsync"/> creates or renews it, and a
/// lease not renewed within its TTL expires, so a crashed silo's workers disappear without anyone deregistering
/// them. Renewal (the cluster library's LeaseKeeper) every TTL/2 keeps a live worker in; renewing after the store
/// lost its data (a Redis restart) registers the worker again.
/// </summary>
public interface IClusterDirectory
{
    /// <summary>How long a lease lives without renewal.</summary>
    TimeSpan LeaseTtl { get; }

    /// <summary>Creates or renews <paramref name="card"/>'s lease; a changed card replaces the old one.</summary>
    ValueTask RegisterAsync(WorkerCard card, CancellationToken cancellationToken = default);

    /// <summary>Drops the lease at once (a draining silo), rather than waiting for it to expire.</summary>
    ValueTask DeregisterAsync(WorkerId worker, CancellationToken cancellationToken = default);

    /// <summary>The workers whose leases are live now, ordered by id.</summary>
    ValueTask<IReadOnlyList<WorkerCard>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Membership changes: first a <see cref="MembershipChangeKind.Joined"/> for every live worker, then changes as
    /// they are seen. An unreachable store yields nothing (no one is reported gone because the store blinked).
    /// </summary>
    IAsyncEnumerable<MembershipChange> WatchAsync(CancellationToken cancellationToken = default);
}

public enum MembershipChangeKind
{
    Joined,
    Left,
    /// <summary>The worker re-registered with a different card (its role or address changed).</summary>
    Updated,
}

/// <summary>One change; for <see cref="MembershipChangeKind.Left"/> the card is the last one seen.</summary>
public readonly record struct MembershipChange(MembershipChangeKind Kind, WorkerCard Card);
