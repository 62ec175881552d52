namespace MLRoadmap.Text.Tokenizers;

/// <summary>Adds a model's special tokens around encoded text ([CLS] ... [SEP] for BERT).</summary>
public interface IPostProcessor
{
    /// <summary>How many tokens <see cref="Process"/> adds to a single text or to a pair.</summary>
    int AddedTokens(bool pair);

    /// <summary>The final encoding of <paramref name="first"/> (and <paramref name="second"/> for a pair).</summary>
    Encoding Process(Encoding first, Encoding? second);
}

/// <summary>A piece of a template: a special token, or the first (A) or second (B) text.</summary>
/// <param name="Name">the special token's name in <see cref="TemplateProcessor.SpecialTokens"/>, or "A" / "B"</param>
/// <param name="IsSequence">a text, not a special token</param>
/// <param name="TypeId">the type id its tokens get</param>
public sealed record TemplatePiece(string Name, bool IsSequence, int TypeId)
{
    public static TemplatePiece Special(string name, int typeId = 0) => new(name, false, typeId);

    public static TemplatePiece Sequence(string aOrB, int typeId = 0) => new(aOrB, true, typeId);
}

/// <summary>A special token of a template and the ids and tokens it stands for (usually one).</summary>
public sealed record TemplateSpecialToken(string Name, IReadOnlyList<int> Ids, IReadOnlyList<string> Tokens);

/// <summary>The form a template came in, kept so a tokenizer.json is written back as it was read.</summary>
public enum TemplateKind { Template, Bert, Roberta }

/// <summary>
/// HF's TemplateProcessing (and BertProcessing / RobertaProcessing, which are fixed templates): the encoding is
/// rebuilt piece by piece from the single or pair template, each piece's tokens taking its type id.
/// </summary>
public sealed class TemplateProcessor : IPostProcessor
{
    public TemplateProcessor(IReadOnlyList<TemplatePiece> single, IReadOnlyList<TemplatePiece> pair,
        IReadOnlyList<TemplateSpecialToken> specialTokens, TemplateKind kind = TemplateKind.Template)
    {
        ArgumentNullException.ThrowIfNull(single);
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentNullException.ThrowIfNull(specialTokens);
        Single = single;
        Pair = pair;
        SpecialTokens = specialTokens.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Kind = kind;
        foreach (var piece in single.Concat(pair))
        {
            if (piece.IsSequence && piece.Name is not ("A" or "B"))
                throw new ArgumentException($"template sequence '{piece.Name}' is neither A nor B");
            if (!piece.IsSequence && !SpecialTokens.ContainsKey(piece.Name))
                throw new ArgumentException($"template special token '{piece.Name}' has no entry in special_tokens");
        }
        if (single.Any(p => p.IsSequence && p.Name == "B"))
            throw new ArgumentException("the single template uses $B");
    }

    public IReadOnlyList<TemplatePiece> Single { get; }

    public IReadOnlyList<TemplatePiece> Pair { get; }

    public IReadOnlyDictionary<string, TemplateSpecialToken> SpecialTokens { get; }

    public TemplateKind Kind { get; }

    /// <summary>BERT's: [CLS] A [SEP], and [CLS] A [SEP] B [SEP] with B's part of type 1.</summary>
    public static TemplateProcessor Bert(string cls, int clsId, string sep, int sepId) => new(
        [TemplatePiece.Special(cls), TemplatePiece.Sequence("A"), TemplatePiece.Special(sep)],
        [TemplatePiece.Special(cls), TemplatePiece.Sequence("A"), TemplatePiece.Special(sep),
            TemplatePiece.Sequence("B", 1), TemplatePiece.Special(sep, 1)],
        [new(cls, [clsId], [cls]), new(sep, [sepId], [sep])], TemplateKind.Bert);

    /// <summary>RoBERTa's: &lt;s&gt; A &lt;/s&gt;, and &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;, all of type 0.</summary>
    public static TemplateProcessor Roberta(string cls, int clsId, string sep, int sepId) => new(
        [TemplatePiece.Special(cls), TemplatePiece.Sequence("A"), TemplatePiece.Special(sep)],
        [TemplatePiece.Special(cls), TemplatePiece.Sequence("A"), TemplatePiece.Special(sep),
            TemplatePiece.Special(sep), TemplatePiece.Sequence("B"), TemplatePiece.Special(sep)],
        [new(cls, [clsId], [cls]), new(sep, [sepId], [sep])], TemplateKind.Roberta);

    public int AddedTokens(bool pair) =>
        (pair ? Pair : Single).Where(p => !p.IsSequence).Sum(p => SpecialTokens[p.Name].Ids.Count);

    public Encoding Process(Encoding first, Encoding? second)
    {
        ArgumentNullException.ThrowIfNull(first);
        var template = second is null ? Single : Pair;
        var ids = new List<int>();
        var tokens = new List<string>();
        var types = new List<int>();
        var special = new List<int>();
        var mask = new List<int>();
        foreach (var piece in template)
        {
            if (piece.IsSequence)
            {
                var e = piece.Name == "A" ? first : second!;
                ids.AddRange(e.IdArray);
                tokens.AddRange(e.TokenArray);
                types.AddRange(Enumerable.Repeat(piece.TypeId, e.Length));
                special.AddRange(e.SpecialArray);
                mask.AddRange(e.MaskArray);
            }
            else
            {
                var s = SpecialTokens[piece.Name];
                ids.AddRange(s.Ids);
                tokens.AddRange(s.Tokens);
                types.AddRange(Enumerable.Repeat(piece.TypeId, s.Ids.Count));
                special.AddRange(Enumerable.Repeat(1, s.Ids.Count));
                mask.AddRange(Enumerable.Repeat(1, s.Ids.Count));
            }
        }
        return new Encoding([.. ids], [.. tokens], [.. types], [.. special], [.. mask]);
    }
}

/// <summary>
/// GPT-2's post-processor: it only trims offsets in HF, which are not tracked here, so it adds nothing; a pair is
/// the two texts one after the other.
/// </summary>
public sealed class ByteLevelProcessor(bool trimOffsets = true) : IPostProcessor
{
    public bool TrimOffsets { get; } = trimOffsets;

    public int AddedTokens(bool pair) => 0;

    public Encoding Process(Encoding first, Encoding? second) =>
        second is null ? first : Encoding.Concat(first, second);
}
