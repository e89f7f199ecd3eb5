namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// Where silos leave their model's preprocessing files for gateways, so a gateway needs no model folder of its
/// own: a silo publishes <see cref="ModelFiles"/> when it registers, a gateway fetches them the first time a
/// worker card names a <see cref="ModelKey"/> it does not know. Entries carry no lease: the key names the
/// content, so an entry is never stale, and the silos of a model re-publish it when it is missing (a store
/// that lost its data).
/// </summary>
public interface IModelFileStore
{
    /// <summary>Stores every file of <paramref name="files"/> under its key at once (a reader sees all or none), replacing what was there.</summary>
    ValueTask PublishAsync(ModelFiles files, CancellationToken cancellationToken = default);

    /// <summary>Whether files are stored under <paramref name="key"/>; cheap, so silos can check often.</summary>
    ValueTask<bool> ContainsAsync(ModelKey key, CancellationToken cancellationToken = default);

    /// <summary>The files under <paramref name="key"/>, or null when none are stored.</summary>
    ValueTask<ModelFiles?> FetchAsync(ModelKey key, CancellationToken cancellationToken = default);
}
