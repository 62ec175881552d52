namespace MLRoadmap.Text.Tokenizers;

public enum PaddingDirection { Right, Left }

public enum TruncationDirection { Right, Left }

/// <summary>Which text of a pair loses tokens: the longer one, token by token (HF's default), or one of them only.</summary>
public enum TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond }

/// <summary>How a batch is padded: to its longest sequence, or to a fixed length; on the right or the left.</summary>
public sealed record PaddingOptions
{
    /// <summary>Pad every sequence to this length (null: to the longest in the batch). A longer sequence is an
    /// error (set truncation), as a batch tensor must be rectangular.</summary>
    public int? FixedLength { get; init; }

    public PaddingDirection Direction { get; init; } = PaddingDirection.Right;

    /// <summary>Round the padded length up to a multiple of this (tensor cores like multiples of 8).</summary>
    public int? PadToMultipleOf { get; init; }

    public int PadId { get; init; }

    public int PadTypeId { get; init; }

    public string PadToken { get; init; } = "[PAD]";

    /// <summary>The length to pad a batch whose longest sequence is <paramref name="longest"/> to.</summary>
    public int TargetLength(int longest)
    {
        var length = FixedLength ?? longest;
        if (PadToMultipleOf is > 0 and var m && length % m != 0) length += m - length % m;
        return length;
    }
}

/// <summary>Truncation to at most <see cref="MaxLength"/> tokens, special tokens included.</summary>
public sealed record TruncationOptions(int MaxLength)
{
    public TruncationStrategy Strategy { get; init; } = TruncationStrategy.LongestFirst;

    public TruncationDirection Direction { get; init; } = TruncationDirection.Right;

    /// <summary>Kept for HF's format (overflowing windows are not produced here).</summary>
    public int Stride { get; init; }
}
