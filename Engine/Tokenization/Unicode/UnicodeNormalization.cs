using System.Buffers.Binary;
using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// NFC, NFD, NFKC and NFKD in managed code. <see cref="string.Normalize()"/> is a no-op under
/// InvariantGlobalization (set for every project here), which would silently break tokenizers
/// with an NFC or NFKC normalizer. Tables come from normalization-data.bin (see the generator
/// script beside it); the algorithm is UAX #15: full decomposition, canonical ordering, then
/// canonical composition, with Hangul handled algorithmically.
/// </summary>
internal static class UnicodeNormalization
{
    private const int HangulSBase = 0xAC00, HangulLBase = 0x1100, HangulVBase = 0x1161, HangulTBase = 0x11A7;
    private const int HangulLCount = 19, HangulVCount = 21, HangulTCount = 28;
    private const int HangulNCount = HangulVCount * HangulTCount, HangulSCount = HangulLCount * HangulNCount;

    private static readonly Lazy<Tables> Data = new(Tables.Load);

    /// <summary>Unicode version of the tables.</summary>
    public static string UnicodeVersion => Data.Value.Version;

    public static string Normalize(string text, bool compose, bool compatibility)
    {
        // Below U+0300 every character is already NFC/NFD; below U+00A0 also NFKC/NFKD.
        var limit = compatibility ? '\u00A0' : '\u0300';
        var i = 0;
        while (i < text.Length && text[i] < limit)
            i++;
        if (i == text.Length)
            return text;
        var tables = Data.Value;
        return compose ? NormalizeComposed(text, i, compatibility, tables) : NormalizeSpan(text, false, compatibility, tables);
    }

    /// <summary>
    /// NFC/NFKC touching only the stretches around code points that the quick-check table flags:
    /// unflagged code points are stable and nothing combines across them, so most text is
    /// returned as the same instance without any work.
    /// </summary>
    private static string NormalizeComposed(string text, int from, bool compatibility, Tables tables)
    {
        var flag = compatibility ? Tables.NfkcFlag : Tables.NfcFlag;
        StringBuilder? result = null;
        var copied = 0;
        var previous = from > 0 ? from - 1 : 0;
        var i = from;
        while (i < text.Length)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            if (!tables.IsUnstable(CodePoint(text, i, width), flag))
            {
                previous = i;
                i += width;
                continue;
            }
            // The stable code point before may be a starter that the flagged ones compose with.
            var start = Math.Max(previous, copied);
            var end = i + width;
            while (end < text.Length)
            {
                var nextWidth = char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
                if (!tables.IsUnstable(CodePoint(text, end, nextWidth), flag))
                    break;
                end += nextWidth;
            }
            result ??= new StringBuilder(text.Length + 16);
            result.Append(text, copied, start - copied);
            result.Append(NormalizeSpan(text.Substring(start, end - start), true, compatibility, tables));
            copied = end;
            previous = i = end;
        }
        if (result is null)
            return text;
        result.Append(text, copied, text.Length - copied);
        var normalized = result.ToString();
        return normalized == text ? text : normalized;
    }

    private static int CodePoint(string text, int i, int width) => width == 2 ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];

    private static string NormalizeSpan(string text, bool compose, bool compatibility, Tables tables)
    {
        var buffer = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
            Decompose(rune.Value, compatibility, tables, buffer);
        if (compose)
            Compose(buffer, tables);
        var builder = new StringBuilder(buffer.Count + 8);
        Span<char> utf16 = stackalloc char[2];
        foreach (var cp in buffer)
            builder.Append(utf16[..new Rune(cp).EncodeToUtf16(utf16)]);
        var result = builder.ToString();
        return result == text ? text : result;
    }

    private static void Decompose(int cp, bool compatibility, Tables tables, List<int> output)
    {
        var sIndex = cp - HangulSBase;
        if (sIndex is >= 0 and < HangulSCount)
        {
            output.Add(HangulLBase + sIndex / HangulNCount);
            output.Add(HangulVBase + sIndex % HangulNCount / HangulTCount);
            if (sIndex % HangulTCount != 0)
                output.Add(HangulTBase + sIndex % HangulTCount);
            return;
        }
        if (tables.Decompositions.TryGetValue(cp, out var decomposition) && (compatibility || !decomposition.Compatibility))
        {
            foreach (var part in decomposition.Target)
                Decompose(part, compatibility, tables, output);
            return;
        }
        AppendOrdered(cp, tables, output);
    }

    // Canonical ordering: a combining mark moves left past marks of a higher class (stable).
    private static void AppendOrdered(int cp, Tables tables, List<int> output)
    {
        var ccc = tables.CombiningClass(cp);
        var at = output.Count;
        if (ccc != 0)
        {
            while (at > 0 && tables.CombiningClass(output[at - 1]) > ccc)
                at--;
        }
        output.Insert(at, cp);
    }

    private static void Compose(List<int> buffer, Tables tables)
    {
        var write = 0;
        var starter = -1;
        for (var read = 0; read < buffer.Count; read++)
        {
            var cp = buffer[read];
            var ccc = tables.CombiningClass(cp);
            if (starter >= 0)
            {
                var adjacent = write - 1 == starter;
                var previousCcc = tables.CombiningClass(buffer[write - 1]);
                if ((adjacent || (previousCcc != 0 && previousCcc < ccc)) && TryCompose(buffer[starter], cp, tables, out var composite))
                {
                    buffer[starter] = composite;
                    continue;
                }
            }
            if (ccc == 0)
                starter = write;
            buffer[write++] = cp;
        }
        buffer.RemoveRange(write, buffer.Count - write);
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        var lIndex = first - HangulLBase;
        var vIndex = second - HangulVBase;
        if (lIndex is >= 0 and < HangulLCount && vIndex is >= 0 and < HangulVCount)
        {
            composite = HangulSBase + (lIndex * HangulVCount + vIndex) * HangulTCount;
            return true;
        }
        var sIndex = first - HangulSBase;
        var tIndex = second - HangulTBase;
        if (sIndex is >= 0 and < HangulSCount && sIndex % HangulTCount == 0 && tIndex is > 0 and < HangulTCount)
        {
            composite = first + tIndex;
            return true;
        }
        return tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private sealed class Tables
    {
        public const byte NfcFlag = 1;
        public const byte NfkcFlag = 2;

        private readonly byte[] _bmpClasses = new byte[0x10000];
        private readonly Dictionary<int, byte> _astralClasses = [];
        private readonly byte[] _bmpQuickCheck = new byte[0x10000];
        private readonly Dictionary<int, byte> _astralQuickCheck = [];

        public string Version { get; private set; } = "";

        public Dictionary<int, (bool Compatibility, int[] Target)> Decompositions { get; } = [];

        public Dictionary<long, int> Compositions { get; } = [];

        public byte CombiningClass(int cp) =>
            cp < 0x10000 ? _bmpClasses[cp] : _astralClasses.GetValueOrDefault(cp);

        /// <summary>Whether the code point may change, or combine with a neighbour, under the form of <paramref name="flag"/>.</summary>
        public bool IsUnstable(int cp, byte flag) =>
            ((cp < 0x10000 ? _bmpQuickCheck[cp] : _astralQuickCheck.GetValueOrDefault(cp)) & flag) != 0;

        public static Tables Load()
        {
            using var stream = typeof(UnicodeNormalization).Assembly.GetManifestResourceStream("DynamoOrleans.Engine.Tokenization.normalization-data.bin")
                ?? throw new InvalidOperationException("the embedded Unicode normalization tables are missing");
            var data = new byte[stream.Length];
            stream.ReadExactly(data);
            var tables = new Tables();
            var span = (ReadOnlySpan<byte>)data;
            if (!span.StartsWith("UNRM"u8))
                throw new InvalidOperationException("the embedded Unicode normalization tables are corrupt");
            var at = 4;
            var versionLength = span[at++];
            tables.Version = Encoding.ASCII.GetString(span.Slice(at, versionLength));
            at += versionLength;
            for (var n = ReadInt(span, ref at); n > 0; n--)
            {
                var cp = ReadInt(span, ref at);
                var ccc = span[at++];
                if (cp < 0x10000)
                    tables._bmpClasses[cp] = ccc;
                else
                    tables._astralClasses[cp] = ccc;
            }
            for (var n = ReadInt(span, ref at); n > 0; n--)
            {
                var cp = ReadInt(span, ref at);
                var compatibility = span[at++] != 0;
                var target = new int[span[at++]];
                for (var k = 0; k < target.Length; k++)
                    target[k] = ReadInt(span, ref at);
                tables.Decompositions[cp] = (compatibility, target);
            }
            for (var n = ReadInt(span, ref at); n > 0; n--)
            {
                var first = ReadInt(span, ref at);
                var second = ReadInt(span, ref at);
                tables.Compositions[((long)first << 21) | (uint)second] = ReadInt(span, ref at);
            }
            for (var n = ReadInt(span, ref at); n > 0; n--)
            {
                var cp = ReadInt(span, ref at);
                var flags = span[at++];
                if (cp < 0x10000)
                    tables._bmpQuickCheck[cp] = flags;
                else
                    tables._astralQuickCheck[cp] = flags;
            }
            return tables;
        }

        private static int ReadInt(ReadOnlySpan<byte> span, ref int at)
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            at += 4;
            return value;
        }
    }
}
