using System.Buffers.Binary;

namespace DynamoOrleans.Engine.Kv;

/// <summary>XXH3-64 for inputs over 240 bytes: 64-byte stripes into eight accumulators, scrambled per 1 KiB block.</summary>
public static partial class Xxh3
{
    private const int StripeLength = 64;
    private const int SecretConsumeRate = 8;
    private const int NumAccumulators = 8;
    private const int SecretDefaultSize = 192;
    private const int SecretLastAccStart = 7;
    private const int SecretMergeAccsStart = 11;

    private static ulong HashLong(ReadOnlySpan<byte> data, ulong seed)
    {
        // A seed derives a custom secret; the reference does the same (XXH3_initCustomSecret).
        Span<byte> custom = stackalloc byte[SecretDefaultSize];
        scoped ReadOnlySpan<byte> secret = DefaultSecret;
        if (seed != 0)
        {
            for (var i = 0; i < SecretDefaultSize; i += 16)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(custom[i..], Read64(secret, i) + seed);
                BinaryPrimitives.WriteUInt64LittleEndian(custom[(i + 8)..], Read64(secret, i + 8) - seed);
            }
            secret = custom;
        }

        Span<ulong> acc = stackalloc ulong[NumAccumulators];
        acc[0] = Prime32_3;
        acc[1] = Prime64_1;
        acc[2] = Prime64_2;
        acc[3] = Prime64_3;
        acc[4] = Prime64_4;
        acc[5] = Prime32_2;
        acc[6] = Prime64_5;
        acc[7] = Prime32_1;

        var length = data.Length;
        var stripesPerBlock = (secret.Length - StripeLength) / SecretConsumeRate;
        var blockLength = StripeLength * stripesPerBlock;
        var numBlocks = (length - 1) / blockLength;
        for (var n = 0; n < numBlocks; n++)
        {
            Accumulate(acc, data.Slice(n * blockLength, blockLength), secret, stripesPerBlock);
            Scramble(acc, secret[(secret.Length - StripeLength)..]);
        }

        var lastStripes = (length - 1 - blockLength * numBlocks) / StripeLength;
        Accumulate(acc, data[(numBlocks * blockLength)..], secret, lastStripes);
        Accumulate512(acc, data[(length - StripeLength)..], secret[(secret.Length - StripeLength - SecretLastAccStart)..]);

        var result = (ulong)length * Prime64_1;
        for (var i = 0; i < 4; i++)
        {
            var s = SecretMergeAccsStart + 16 * i;
            result += MulFold64(acc[2 * i] ^ Read64(secret, s), acc[2 * i + 1] ^ Read64(secret, s + 8));
        }
        return Avalanche(result);
    }

    private static void Accumulate(Span<ulong> acc, ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret, int numStripes)
    {
        for (var n = 0; n < numStripes; n++)
            Accumulate512(acc, data[(n * StripeLength)..], secret[(n * SecretConsumeRate)..]);
    }

    private static void Accumulate512(Span<ulong> acc, ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret)
    {
        for (var i = 0; i < NumAccumulators; i++)
        {
            var value = Read64(data, 8 * i);
            var key = value ^ Read64(secret, 8 * i);
            acc[i ^ 1] += value;
            acc[i] += (ulong)(uint)key * (key >> 32);
        }
    }

    private static void Scramble(Span<ulong> acc, ReadOnlySpan<byte> secret)
    {
        for (var i = 0; i < NumAccumulators; i++)
        {
            var a = acc[i];
            a ^= a >> 47;
            a ^= Read64(secret, 8 * i);
            acc[i] = a * Prime32_1;
        }
    }
}
