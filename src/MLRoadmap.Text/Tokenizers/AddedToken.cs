namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// A token matched in the text before it is split into words ([CLS], &lt;|endoftext|&gt;, user additions). Special
/// tokens are dropped by <c>Decode(skipSpecialTokens: true)</c>.
/// </summary>
/// <param name="Content">the token's text</param>
/// <param name="Special">a special token (control, not content)</param>
public sealed record AddedToken(string Content, bool Special = true)
{
    /// <summary>Match only where the token is not part of a longer word.</summary>
    public bool SingleWord { get; init; }

    /// <summary>Take the whitespace before the token with it (RoBERTa's &lt;mask&gt;).</summary>
    public bool LStrip { get; init; }

    /// <summary>Take the whitespace after the token with it.</summary>
    public bool RStrip { get; init; }

    /// <summary>Match in the normalized text (true) or the raw text (false, the default for special tokens).</summary>
    public bool Normalized { get; init; } = !Special;
}
