using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// XXH3-64 (xxHash 0.8), with seed, over a span. System.IO.Hashing is not in our package
/// registry, and the router and the workers must agree bit for bit with Dynamo's block hashes,
/// so this is a straight port of the reference algorithm: scalar, allocation-free, verified
/// against the xxHash repository's sanity vectors.
/// </summary>
public static partial class Xxh3
{
    private const uint Prime32_1 = 0x9E3779B1U;
    private const uint Prime32_2 = 0x85EBCA77U;
    private const uint Prime32_3 = 0xC2B2AE3DU;
    private const ulong Prime64_1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64_3 = 0x165667B19E3779F9UL;
    private const ulong Prime64_4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime64_5 = 0x27D4EB2F165667C5UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    private const int MidSizeMax = 240;
    private const int MidSizeStartOffset = 3;
    private const int MidSizeLastOffset = 17;
    private const int SecretSizeMin = 136;

    /// <summary>The default 192-byte secret from the reference implementation.</summary>
    private static ReadOnlySpan<byte> DefaultSecret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// <summary>XXH3_64bits_withSeed(data, seed).</summary>
    public static ulong Hash64(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        var secret = DefaultSecret;
        var length = data.Length;
        if (length <= 16)
            return HashUpTo16(data, secret, seed);
        if (length <= 128)
            return Hash17To128(data, secret, seed);
        if (length <= MidSizeMax)
            return Hash129To240(data, secret, seed);
        return HashLong(data, seed);
    }

    private static ulong HashUpTo16(ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret, ulong seed)
    {
        var length = data.Length;
        if (length > 8)
        {
            var bitflip1 = (Read64(secret, 24) ^ Read64(secret, 32)) + seed;
            var bitflip2 = (Read64(secret, 40) ^ Read64(secret, 48)) - seed;
            var lo = Read64(data, 0) ^ bitflip1;
            var hi = Read64(data, length - 8) ^ bitflip2;
            var acc = (ulong)length + BinaryPrimitives.ReverseEndianness(lo) + hi + MulFold64(lo, hi);
            return Avalanche(acc);
        }
        if (length >= 4)
        {
            seed ^= (ulong)BinaryPrimitives.ReverseEndianness((uint)seed) << 32;
            var input1 = Read32(data, 0);
            var input2 = Read32(data, length - 4);
            var bitflip = (Read64(secret, 8) ^ Read64(secret, 16)) - seed;
            var input64 = input2 + ((ulong)input1 << 32);
            return RrMxMx(input64 ^ bitflip, (ulong)length);
        }
        if (length > 0)
        {
            uint c1 = data[0];
            uint c2 = data[length >> 1];
            uint c3 = data[length - 1];
            var combined = (c1 << 16) | (c2 << 24) | c3 | ((uint)length << 8);
            var bitflip = (Read32(secret, 0) ^ Read32(secret, 4)) + seed;
            return Xxh64Avalanche(combined ^ bitflip);
        }
        return Xxh64Avalanche(seed ^ Read64(secret, 56) ^ Read64(secret, 64));
    }

    private static ulong Hash17To128(ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret, ulong seed)
    {
        var length = data.Length;
        var acc = (ulong)length * Prime64_1;
        if (length > 32)
        {
            if (length > 64)
            {
                if (length > 96)
                {
                    acc += Mix16(data, 48, secret, 96, seed);
                    acc += Mix16(data, length - 64, secret, 112, seed);
                }
                acc += Mix16(data, 32, secret, 64, seed);
                acc += Mix16(data, length - 48, secret, 80, seed);
            }
            acc += Mix16(data, 16, secret, 32, seed);
            acc += Mix16(data, length - 32, secret, 48, seed);
        }
        acc += Mix16(data, 0, secret, 0, seed);
        acc += Mix16(data, length - 16, secret, 16, seed);
        return Avalanche(acc);
    }

    private static ulong Hash129To240(ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret, ulong seed)
    {
        var length = data.Length;
        var acc = (ulong)length * Prime64_1;
        var numRounds = length / 16;
        for (var i = 0; i < 8; i++)
            acc += Mix16(data, 16 * i, secret, 16 * i, seed);
        acc = Avalanche(acc);
        for (var i = 8; i < numRounds; i++)
            acc += Mix16(data, 16 * i, secret, 16 * (i - 8) + MidSizeStartOffset, seed);
        acc += Mix16(data, length - 16, secret, SecretSizeMin - MidSizeLastOffset, seed);
        return Avalanche(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix16(ReadOnlySpan<byte> data, int offset, ReadOnlySpan<byte> secret, int secretOffset, ulong seed)
    {
        var lo = Read64(data, offset);
        var hi = Read64(data, offset + 8);
        return MulFold64(lo ^ (Read64(secret, secretOffset) + seed), hi ^ (Read64(secret, secretOffset + 8) - seed));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulFold64(ulong a, ulong b)
    {
        var high = Math.BigMul(a, b, out var low);
        return low ^ high;
    }

    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 37;
        h *= PrimeMx1;
        return h ^ (h >> 32);
    }

    private static ulong RrMxMx(ulong h, ulong length)
    {
        h ^= BitOperations.RotateLeft(h, 49) ^ BitOperations.RotateLeft(h, 24);
        h *= PrimeMx2;
        h ^= (h >> 35) + length;
        h *= PrimeMx2;
        return h ^ (h >> 28);
    }

    private static ulong Xxh64Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime64_2;
        h ^= h >> 29;
        h *= Prime64_3;
        return h ^ (h >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(span[offset..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read32(ReadOnlySpan<byte> span, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(span[offset..]);
}
