namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// GPT-2's byte-to-unicode table: each of the 256 byte values becomes a printable character,
/// so byte-level vocabularies can be stored as text. Printable Latin-1 bytes map to themselves,
/// the rest to U+0100 onwards in byte order.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Character for each byte value.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Byte for each character below <see cref="CharLimit"/>, or -1 when the character is not in the alphabet.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    public const int CharLimit = 0x144;

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[CharLimit];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++)
            table[ByteToChar[b]] = (short)b;
        return table;
    }

    /// <summary>The byte a character stands for, or -1.</summary>
    public static int ToByte(char c) => c < CharLimit ? CharToByte[c] : -1;
}
