namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// One encoded text (or pair of texts): token ids with their tokens, segment (type) ids, which tokens the
/// post-processor added ([CLS], [SEP], ...) and which are padding (attention mask 0).
/// </summary>
public sealed class Encoding
{
    internal Encoding(int[] ids, string[] tokens, int[] typeIds, int[] specialTokensMask, int[] attentionMask)
    {
        IdArray = ids;
        TokenArray = tokens;
        TypeIdArray = typeIds;
        SpecialArray = specialTokensMask;
        MaskArray = attentionMask;
    }

    internal int[] IdArray { get; }
    internal string[] TokenArray { get; }
    internal int[] TypeIdArray { get; }
    internal int[] SpecialArray { get; }
    internal int[] MaskArray { get; }

    public IReadOnlyList<int> Ids => IdArray;

    public IReadOnlyList<string> Tokens => TokenArray;

    /// <summary>0 for the first text's tokens, 1 for the second's (as the post-processor's template sets them).</summary>
    public IReadOnlyList<int> TypeIds => TypeIdArray;

    /// <summary>1 where the post-processor added a special token or padding was added.</summary>
    public IReadOnlyList<int> SpecialTokensMask => SpecialArray;

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public IReadOnlyList<int> AttentionMask => MaskArray;

    public int Length => IdArray.Length;

    /// <summary>An encoding of plain tokens of one segment (type id <paramref name="typeId"/>).</summary>
    internal static Encoding FromIds(List<int> ids, Func<int, string> token, int typeId)
    {
        var n = ids.Count;
        var tokens = new string[n];
        for (var i = 0; i < n; i++) tokens[i] = token(ids[i]);
        var types = new int[n];
        if (typeId != 0) Array.Fill(types, typeId);
        var mask = new int[n];
        Array.Fill(mask, 1);
        return new Encoding([.. ids], tokens, types, new int[n], mask);
    }

    /// <summary>The first (or last, from the left) <paramref name="length"/> tokens.</summary>
    internal Encoding Truncate(int length, TruncationDirection direction)
    {
        if (length >= Length) return this;
        var start = direction == TruncationDirection.Left ? Length - length : 0;
        return new Encoding(IdArray[start..(start + length)], TokenArray[start..(start + length)],
            TypeIdArray[start..(start + length)], SpecialArray[start..(start + length)], MaskArray[start..(start + length)]);
    }

    /// <summary>This encoding padded to <paramref name="length"/> tokens.</summary>
    internal Encoding Pad(int length, PaddingOptions options)
    {
        if (length <= Length) return this;
        var pad = length - Length;
        var offset = options.Direction == PaddingDirection.Left ? pad : 0;
        var padAt = options.Direction == PaddingDirection.Left ? 0 : Length;
        return new Encoding(
            Padded(IdArray, length, offset, padAt, pad, options.PadId),
            Padded(TokenArray, length, offset, padAt, pad, options.PadToken),
            Padded(TypeIdArray, length, offset, padAt, pad, options.PadTypeId),
            Padded(SpecialArray, length, offset, padAt, pad, 1),
            Padded(MaskArray, length, offset, padAt, pad, 0));
    }

    private static T[] Padded<T>(T[] source, int length, int offset, int padAt, int pad, T value)
    {
        var result = new T[length];
        source.CopyTo(result, offset);
        Array.Fill(result, value, padAt, pad);
        return result;
    }

    /// <summary>Concatenates encodings (a pair without a template).</summary>
    internal static Encoding Concat(params Encoding[] parts) => new(
        [.. parts.SelectMany(p => p.IdArray)], [.. parts.SelectMany(p => p.TokenArray)],
        [.. parts.SelectMany(p => p.TypeIdArray)], [.. parts.SelectMany(p => p.SpecialArray)],
        [.. parts.SelectMany(p => p.MaskArray)]);

    public override string ToString() => $"Encoding({Length} tokens: {string.Join(' ', TokenArray.Take(20))}{(Length > 20 ? " ..." : "")})";
}
