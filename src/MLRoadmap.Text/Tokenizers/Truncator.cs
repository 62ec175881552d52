namespace MLRoadmap.Text.Tokenizers;

/// <summary>Cuts a text or a pair to a maximum length, leaving room for the special tokens still to come.</summary>
internal static class Truncator
{
    public static (Encoding First, Encoding? Second) Truncate(Encoding first, Encoding? second, TruncationOptions options,
        int specialTokens)
    {
        var max = options.MaxLength - specialTokens;
        if (max < 0)
            throw new InvalidOperationException($"truncation to {options.MaxLength} tokens leaves no room: the " +
                $"post-processor adds {specialTokens} special tokens");
        var n1 = first.Length;
        var n2 = second?.Length ?? 0;
        if (n1 + n2 <= max) return (first, second);
        var direction = options.Direction;
        if (second is null)
        {
            if (options.Strategy == TruncationStrategy.OnlySecond)
                throw new InvalidOperationException("truncation strategy OnlySecond needs a pair of texts");
            return (first.Truncate(max, direction), null);
        }
        switch (options.Strategy)
        {
            case TruncationStrategy.OnlyFirst:
            case TruncationStrategy.OnlySecond:
                var onlyFirst = options.Strategy == TruncationStrategy.OnlyFirst;
                var target = onlyFirst ? n1 : n2;
                var excess = n1 + n2 - max;
                if (target <= excess)
                    throw new InvalidOperationException($"truncation: the {(onlyFirst ? "first" : "second")} text has " +
                        $"{target} tokens, too few to cut {excess} from and fit {options.MaxLength}");
                return onlyFirst ? (first.Truncate(n1 - excess, direction), second)
                    : (first, second.Truncate(n2 - excess, direction));
            default:
                // The shorter text keeps what it has if the longer can take the rest of the room; when both are
                // too long, they share it (the longer one getting the odd token).
                var shortLen = Math.Min(n1, n2);
                int keepShort, keepLong;
                if (2L * shortLen > max)
                {
                    keepShort = max / 2;
                    keepLong = max - keepShort;
                }
                else
                {
                    keepShort = shortLen;
                    keepLong = max - shortLen;
                }
                var (keep1, keep2) = n1 <= n2 ? (keepShort, keepLong) : (keepLong, keepShort);
                return (first.Truncate(keep1, direction), second.Truncate(keep2, direction));
        }
    }
}
