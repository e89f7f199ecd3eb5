namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// A model as a gateway must preprocess for it: its name and the SHA-256 of its tokenizer.json (hex), as a
/// <see cref="WorkerCard"/> carries them. Two silos with the same key give the same token ids.
/// </summary>
public readonly record struct ModelKey(string Model, string TokenizerDigest)
{
    public static ModelKey Of(WorkerCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new ModelKey(card.Model, card.TokenizerDigest);
    }

    public override string ToString() => $"{Model}@{(TokenizerDigest.Length > 12 ? TokenizerDigest[..12] : TokenizerDigest)}";
}
