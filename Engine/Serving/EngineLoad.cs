namespace DynamoOrleans.Engine.Serving;

/// <summary>A snapshot of an engine's load, as the router and /metrics read it.</summary>
public readonly record struct EngineLoad(
    int NumRunning,
    int NumWaiting,
    int KvBlocksUsed,
    int KvBlocksTotal,
    double PrefixHitRate,
    int ActivePrefillTokens,
    int ActiveDecodeBlocks);
