using System.Collections.Immutable;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// Which models the cluster's live workers serve, kept from the cards that join and leave (no transport: the
/// gateway host hands it cards and clients). Each model has its own <see cref="RoutedEngineClient"/>, so a
/// request is routed only among workers of its model. A card of a model not seen before creates the model and
/// asks for its files (<see cref="ModelJoin.NeedsFiles"/>); a card whose tokenizer digest or block size does not
/// fit is refused and listed in <see cref="Refused"/>. A model whose workers all left stays known (its files
/// loaded, 404 until a worker is back); a worker with another digest replaces it then. With a fixed model
/// (<c>--model-dir</c>) every card joins that one model, as before discovery existed. Tables are immutable
/// snapshots swapped under a lock, so readers (every request) take no lock.
/// </summary>
public sealed class ServedModelSet
{
    private readonly Lock _gate = new();
    private readonly Func<RoutedEngineClient> _newEngine;
    private readonly ServedModelEntry? _fixed;
    private ImmutableDictionary<string, ServedModelEntry> _models = ImmutableDictionary.Create<string, ServedModelEntry>(StringComparer.Ordinal);
    private ImmutableDictionary<WorkerId, ServedModelEntry> _workers = ImmutableDictionary<WorkerId, ServedModelEntry>.Empty;
    private ImmutableDictionary<WorkerId, string> _refused = ImmutableDictionary<WorkerId, string>.Empty;
    private long _retiredMigrations;
    private long _retiredMigrationFailures;

    private ServedModelSet(Func<RoutedEngineClient> newEngine, RoutedEngineClient? fixedEngine)
    {
        _newEngine = newEngine;
        if (fixedEngine is not null)
            _fixed = new ServedModelEntry(default, fixedEngine, isFixed: true);
    }

    /// <summary>Models found from the cards; <paramref name="newEngine"/> builds each one's engine.</summary>
    public static ServedModelSet Discovering(Func<RoutedEngineClient> newEngine) => new(newEngine ?? throw new ArgumentNullException(nameof(newEngine)), null);

    /// <summary>One model the gateway was given: every worker joins <paramref name="engine"/>, which pins the first card's model.</summary>
    public static ServedModelSet Fixed(RoutedEngineClient engine) =>
        new(() => throw new InvalidOperationException("a fixed model has one engine"), engine ?? throw new ArgumentNullException(nameof(engine)));

    /// <summary>The fixed model, or null when models are discovered.</summary>
    public ServedModelEntry? FixedModel => _fixed;

    /// <summary>Every model known, with or without workers (discovery), or the fixed one.</summary>
    public IReadOnlyCollection<ServedModelEntry> Models => _fixed is not null ? [_fixed] : [.. Volatile.Read(ref _models).Values];

    /// <summary>Workers refused, with the reason; a refused worker that leaves or is later accepted drops out.</summary>
    public IReadOnlyDictionary<WorkerId, string> Refused => Volatile.Read(ref _refused);

    public int NumWorkers => Volatile.Read(ref _workers).Count;

    public long NumMigrations => Interlocked.Read(ref _retiredMigrations) + Sum(static e => e.Engine.NumMigrations);

    public long NumMigrationFailures => Interlocked.Read(ref _retiredMigrationFailures) + Sum(static e => e.Engine.NumMigrationFailures);

    /// <summary>The model clients call <paramref name="model"/>, or null (discovery only; a fixed model resolves by its engine's card).</summary>
    public ServedModelEntry? Find(string model) => Volatile.Read(ref _models).GetValueOrDefault(model);

    /// <summary>The model the worker was accepted into, or null (unknown, refused or gone).</summary>
    public ServedModelEntry? ModelOf(WorkerId worker) => Volatile.Read(ref _workers).GetValueOrDefault(worker);

    /// <summary>Whether <paramref name="entry"/> is still the set's model of its name (a loader stops when it was replaced).</summary>
    public bool IsCurrent(ServedModelEntry entry) => entry.IsFixed || Find(entry.Key.Model) == entry;

    /// <summary>
    /// A worker joined or its card changed: adds it to its model's engine (creating the model when it is new, or
    /// replacing a model whose workers all left when the digest differs), or records why it was refused.
    /// </summary>
    public ModelJoin Join(WorkerCard card, IEngineClient client)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(client);
        lock (_gate)
        {
            // A worker whose card now names another model leaves its old one first.
            if (_workers.TryGetValue(card.Id, out var previous) && !previous.IsFixed && !string.Equals(previous.Key.Model, card.Model, StringComparison.Ordinal))
                RemoveLocked(card.Id);
            var (target, isNew) = TargetFor(card);
            try
            {
                target.Engine.AddWorker(card, client);
            }
            catch (IncompatibleWorkerException e)
            {
                // Kept out of routing: a worker that was accepted before under another card is removed.
                if (_workers.ContainsKey(card.Id)) RemoveLocked(card.Id);
                Volatile.Write(ref _refused, _refused.SetItem(card.Id, e.Message));
                return new ModelJoin(null, NeedsFiles: false, e.Message);
            }
            if (isNew)
            {
                if (_models.TryGetValue(card.Model, out var replaced)) Retire(replaced);
                Volatile.Write(ref _models, _models.SetItem(card.Model, target));
            }
            Volatile.Write(ref _workers, _workers.SetItem(card.Id, target));
            Volatile.Write(ref _refused, _refused.Remove(card.Id));
            return new ModelJoin(target, NeedsFiles: isNew, null);
        }
    }

    /// <summary>A worker left: out of its model's engine (its model stays known), or off the refused list.</summary>
    public ServedModelEntry? Leave(WorkerId worker)
    {
        lock (_gate)
        {
            Volatile.Write(ref _refused, _refused.Remove(worker));
            return RemoveLocked(worker);
        }
    }

    private (ServedModelEntry Target, bool IsNew) TargetFor(WorkerCard card)
    {
        if (_fixed is not null) return (_fixed, false);
        if (_models.TryGetValue(card.Model, out var known)
            && (known.NumWorkers > 0 || string.Equals(known.Key.TokenizerDigest, card.TokenizerDigest, StringComparison.OrdinalIgnoreCase)))
            return (known, false);
        // New, or all its workers left and this one brings another tokenizer: a fresh engine pins the new card.
        return (new ServedModelEntry(ModelKey.Of(card), _newEngine(), isFixed: false), true);
    }

    private ServedModelEntry? RemoveLocked(WorkerId worker)
    {
        if (!_workers.TryGetValue(worker, out var entry)) return null;
        entry.Engine.RemoveWorker(worker);
        Volatile.Write(ref _workers, _workers.Remove(worker));
        return entry;
    }

    /// <summary>Keeps the counters monotonic when a model's engine is replaced.</summary>
    private void Retire(ServedModelEntry entry)
    {
        Interlocked.Add(ref _retiredMigrations, entry.Engine.NumMigrations);
        Interlocked.Add(ref _retiredMigrationFailures, entry.Engine.NumMigrationFailures);
    }

    private long Sum(Func<ServedModelEntry, long> read)
    {
        long total = 0;
        foreach (var entry in Models) total += read(entry);
        return total;
    }
}

/// <summary>What <see cref="ServedModelSet.Join"/> did: the model the worker joined and whether its files must be fetched, or why it was refused.</summary>
public readonly record struct ModelJoin(ServedModelEntry? Model, bool NeedsFiles, string? Refusal)
{
    public bool IsRefused => Refusal is not null;
}
