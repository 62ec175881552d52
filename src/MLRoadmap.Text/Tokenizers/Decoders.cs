using System.Text;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>Turns a list of tokens back into text.</summary>
public interface IDecoder
{
    string Decode(IReadOnlyList<string> tokens);
}

/// <summary>
/// Byte-level decoding: the tokens' characters mapped back to bytes through <see cref="ByteLevelAlphabet"/>, then
/// read as UTF-8 (invalid sequences, from a cut multi-byte character, become U+FFFD). A token with a character
/// outside the alphabet (an added token's) stands for its own UTF-8 bytes.
/// </summary>
public sealed record ByteLevelDecoder : IDecoder
{
    public string Decode(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            // As HF does: a token with any character outside the alphabet (an added token's) is its own UTF-8.
            var mapped = true;
            foreach (var c in token)
                if (ByteLevelAlphabet.CharToByte(c) < 0) { mapped = false; break; }
            if (mapped)
                foreach (var c in token) bytes.Add((byte)ByteLevelAlphabet.CharToByte(c));
            else
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
        }
        return System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }
}

/// <summary>
/// WordPiece decoding: pieces that start with the continuation prefix are glued to the one before, others get a
/// space; with <see cref="Cleanup"/>, the space before a token that is punctuation or an English contraction goes.
/// </summary>
public sealed record WordPieceDecoder(string Prefix = "##", bool Cleanup = true) : IDecoder
{
    public string Decode(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sb = new StringBuilder();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (i > 0)
            {
                if (t.StartsWith(Prefix, StringComparison.Ordinal)) t = t[Prefix.Length..];
                else t = " " + t;
            }
            // HF cleans each token (with the space put before it), not the joined text: "do" "not" stays apart.
            sb.Append(Cleanup ? CleanUpTokenization(t) : t);
        }
        return sb.ToString();
    }

    /// <summary>Undoes the spaces word splitting leaves before punctuation and contractions ("do n't" → "don't").</summary>
    public static string CleanUpTokenization(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal).Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" do not", " don't", StringComparison.Ordinal)
            .Replace(" 's", "'s", StringComparison.Ordinal).Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
    }
}

/// <summary>Concatenates the tokens (character-level tokenizers).</summary>
public sealed record FuseDecoder : IDecoder
{
    public string Decode(IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return string.Concat(tokens);
    }
}
