using System.Collections.Frozen;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing;

/// <summary>
/// The router's table of workers: immutable, replaced whole on every join or leave and swapped in
/// atomically, so a route reads one consistent snapshot without a lock.
/// </summary>
internal sealed class WorkerSet
{
    public static readonly WorkerSet Empty = new([]);

    private WorkerSet(WorkerState[] workers)
    {
        Workers = workers;
        var byId = new Dictionary<WorkerId, WorkerState>(workers.Length);
        foreach (var worker in workers)
            byId[worker.Id] = worker;
        ById = byId.ToFrozenDictionary();
    }

    public WorkerState[] Workers { get; }

    public FrozenDictionary<WorkerId, WorkerState> ById { get; }

    public WorkerSet With(WorkerState worker)
    {
        var list = new List<WorkerState>(Workers.Length + 1);
        foreach (var existing in Workers)
            if (existing.Id != worker.Id)
                list.Add(existing);
        list.Add(worker);
        return new WorkerSet([.. list]);
    }

    public WorkerSet Without(WorkerId id)
    {
        var list = new List<WorkerState>(Workers.Length);
        foreach (var existing in Workers)
            if (existing.Id != id)
                list.Add(existing);
        return new WorkerSet([.. list]);
    }
}
