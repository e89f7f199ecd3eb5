namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// What a worker's lease carries: enough for a gateway to route to it and to refuse it when it does
/// not fit (a different tokenizer or block size breaks prefix routing silently, so it is checked loudly).
/// </summary>
/// <param name="TokenizerDigest">SHA-256 of tokenizer.json (hex), so gateways and workers agree on token ids.</param>
/// <param name="Address">Base URL of the worker API, e.g. <c>http://10.0.0.5:9100</c>.</param>
public sealed record WorkerCard(
    WorkerId Id,
    string Model,
    string TokenizerDigest,
    int BlockSize,
    int MaxContextLength,
    int KvBlocksTotal,
    WorkerRole Role,
    string Address);
