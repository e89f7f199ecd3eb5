namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// The leading blocks of a waiting sequence found in the prefix cache. <see cref="NumFreeBlocks"/> of
/// them sit unreferenced in the free list, so reviving them costs free blocks too.
/// </summary>
public readonly record struct PrefixMatch(int NumBlocks, int NumFreeBlocks);
