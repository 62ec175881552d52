using System.Buffers;
using System.Text;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// GPT-2's pre-tokenization: split with GPT-2's pattern (<see cref="Gpt2Splitter"/>), then write each piece's UTF-8
/// bytes as characters of <see cref="ByteLevelAlphabet"/>, so every string has a tokenization and none is lost.
/// </summary>
/// <param name="AddPrefixSpace">Put a space before text that does not start with one, so a first word is
/// tokenized as it is mid-sentence (RoBERTa's option; GPT-2 leaves it off).</param>
/// <param name="UseRegex">Split with GPT-2's pattern (off: the whole text is one word).</param>
public sealed record ByteLevelPreTokenizer(bool AddPrefixSpace = false, bool UseRegex = true) : IPreTokenizer
{
    /// <summary>HF writes trim_offsets with the pre-tokenizer; offsets are not tracked here, but the value is kept.</summary>
    public bool TrimOffsets { get; init; } = true;

    public string PreTokenize(string text, List<Range> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        if (AddPrefixSpace && !text.StartsWith(' ')) text = " " + text;
        if (text.Length == 0) return text;
        var pieces = new List<Range>();
        if (UseRegex) Gpt2Splitter.Split(text, pieces);
        else pieces.Add(Range.All);

        // Every UTF-16 char becomes at most 3 UTF-8 bytes (a surrogate pair 4 for 2 chars).
        var buffer = ArrayPool<char>.Shared.Rent(text.Length * 3);
        var bytes = ArrayPool<byte>.Shared.Rent(text.Length * 3);
        try
        {
            var written = 0;
            foreach (var piece in pieces)
            {
                var n = System.Text.Encoding.UTF8.GetBytes(text.AsSpan()[piece], bytes);
                for (var i = 0; i < n; i++) buffer[written + i] = ByteLevelAlphabet.ByteToChar(bytes[i]);
                words.Add(new Range(written, written + n));
                written += n;
            }
            return new string(buffer, 0, written);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
