using System.Runtime.CompilerServices;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Cluster;

/// <summary>
/// Turns periodic membership reads into changes. Both directories share it, so a lease expiring, a worker
/// deregistering and a card changing look the same to a watcher whichever store is behind them. A failed read
/// keeps the last view: a store that blinks must not report the whole cluster gone.
/// </summary>
internal static class MembershipWatch
{
    public static async IAsyncEnumerable<MembershipChange> RunAsync(
        Func<CancellationToken, ValueTask<IReadOnlyList<WorkerCard>>> list,
        TimeSpan interval,
        TimeProvider time,
        ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var known = new Dictionary<WorkerId, WorkerCard>();
        var changes = new List<MembershipChange>();
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<WorkerCard>? live = null;
            try
            {
                live = await list(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ClusterLog.WatchFailed(logger, ex.Message);
            }
            if (live is not null)
            {
                Diff(known, live, changes);
                foreach (var change in changes)
                    yield return change;
                changes.Clear();
            }
            try
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>Updates <paramref name="known"/> to <paramref name="live"/> and lists what changed: leavers first, then joiners and updates by id.</summary>
    internal static void Diff(Dictionary<WorkerId, WorkerCard> known, IReadOnlyList<WorkerCard> live, List<MembershipChange> changes)
    {
        var seen = new HashSet<WorkerId>();
        foreach (var card in live)
            seen.Add(card.Id);
        foreach (var (id, card) in known)
        {
            if (!seen.Contains(id))
                changes.Add(new MembershipChange(MembershipChangeKind.Left, card));
        }
        foreach (var change in changes)
            known.Remove(change.Card.Id);
        foreach (var card in live)
        {
            if (!known.TryGetValue(card.Id, out var old))
                changes.Add(new MembershipChange(MembershipChangeKind.Joined, card));
            else if (old != card)
                changes.Add(new MembershipChange(MembershipChangeKind.Updated, card));
            known[card.Id] = card;
        }
    }
}
