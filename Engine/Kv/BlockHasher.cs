using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// The chained block hash shared by the router and the workers (ARCHITECTURE.md, "Routing"):
/// <c>local = H(tokens as little-endian u32)</c> for each full block, <c>seq[0] = local[0]</c> and
/// <c>seq[i] = H(le64(seq[i-1]) ‖ le64(local[i]))</c>, with H = XXH3-64 seeded 1337 as Dynamo does.
/// A sequence hash therefore names a whole prefix, so two prompts share a block only when
/// everything before it matches too.
/// </summary>
public static class BlockHasher
{
    public const ulong Seed = 1337;

    /// <summary>The hash of one block's own tokens.</summary>
    public static ulong LocalHash(ReadOnlySpan<int> tokens)
    {
        if (BitConverter.IsLittleEndian)
            return Xxh3.Hash64(MemoryMarshal.AsBytes(tokens), Seed);
        return LocalHashBigEndian(tokens);
    }

    /// <summary>The sequence hash of a block whose prefix hashes to <paramref name="parentSequenceHash"/>.</summary>
    public static ulong Chain(ulong parentSequenceHash, ulong localHash)
    {
        Span<byte> pair = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(pair, parentSequenceHash);
        BinaryPrimitives.WriteUInt64LittleEndian(pair[8..], localHash);
        return Xxh3.Hash64(pair, Seed);
    }

    /// <summary>The sequence hash of block <paramref name="index"/>, given its parent's (ignored for the first block).</summary>
    public static ulong SequenceHash(ulong parentSequenceHash, ulong localHash, int index) =>
        index == 0 ? localHash : Chain(parentSequenceHash, localHash);

    /// <summary>
    /// Hashes every full block of <paramref name="tokens"/> into the spans (which must hold
    /// <c>tokens.Length / blockSize</c> entries; <paramref name="localHashes"/> may be empty when not wanted)
    /// and returns how many full blocks there were. A trailing partial block is never hashed.
    /// </summary>
    public static int Compute(ReadOnlySpan<int> tokens, int blockSize, Span<ulong> sequenceHashes, Span<ulong> localHashes = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var numBlocks = tokens.Length / blockSize;
        if (sequenceHashes.Length < numBlocks)
            throw new ArgumentException($"{numBlocks} full blocks need {numBlocks} sequence hashes; the span holds {sequenceHashes.Length}", nameof(sequenceHashes));
        var wantLocal = !localHashes.IsEmpty;
        if (wantLocal && localHashes.Length < numBlocks)
            throw new ArgumentException($"{numBlocks} full blocks need {numBlocks} local hashes; the span holds {localHashes.Length}", nameof(localHashes));

        ulong parent = 0;
        for (var i = 0; i < numBlocks; i++)
        {
            var local = LocalHash(tokens.Slice(i * blockSize, blockSize));
            parent = SequenceHash(parent, local, i);
            sequenceHashes[i] = parent;
            if (wantLocal)
                localHashes[i] = local;
        }
        return numBlocks;
    }

    private static ulong LocalHashBigEndian(ReadOnlySpan<int> tokens)
    {
        // Rare enough that a rented buffer is fine; the hash is defined over little-endian bytes.
        var bytes = new byte[tokens.Length * sizeof(uint)];
        for (var i = 0; i < tokens.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * sizeof(uint)), (uint)tokens[i]);
        return Xxh3.Hash64(bytes, Seed);
    }
}
