namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// GPT-2's reversible map from the 256 byte values to printable characters, so that byte-level BPE works on text
/// that never holds a space or control character: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to
/// themselves, the other 68 to U+0100 upwards in byte order (space becomes 'Ġ', newline 'Ċ').
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildTable();
    private static readonly short[] CharToByteTable = BuildReverse(ByteToCharTable);

    /// <summary>The character byte <paramref name="b"/> maps to.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>The byte a mapped character stands for, or -1 when <paramref name="c"/> is not in the alphabet.</summary>
    public static int CharToByte(char c) => c < CharToByteTable.Length ? CharToByteTable[c] : -1;

    /// <summary>The 256 characters of the alphabet in byte order.</summary>
    public static IReadOnlyList<char> Characters => ByteToCharTable;

    private static char[] BuildTable()
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

    private static short[] BuildReverse(char[] table)
    {
        var reverse = new short[table.Max() + 1];
        Array.Fill(reverse, (short)-1);
        for (var b = 0; b < table.Length; b++) reverse[table[b]] = (short)b;
        return reverse;
    }
}
