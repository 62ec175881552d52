namespace MLRoadmap.Text.Tokenizers;

/// <summary>The special tokens of the tokenizers this library reads, by the names their models use.</summary>
public static class SpecialTokens
{
    public const string BertPad = "[PAD]";
    public const string BertUnknown = "[UNK]";
    public const string BertClassifier = "[CLS]";
    public const string BertSeparator = "[SEP]";
    public const string BertMask = "[MASK]";

    /// <summary>GPT-2's only special token: it ends a document (and starts the next).</summary>
    public const string EndOfText = "<|endoftext|>";

    public const string RobertaStart = "<s>";
    public const string RobertaEnd = "</s>";
    public const string RobertaPad = "<pad>";
    public const string RobertaUnknown = "<unk>";
    public const string RobertaMask = "<mask>";

    /// <summary>BERT's five, in vocab.txt's usual order of appearance.</summary>
    public static IReadOnlyList<string> Bert { get; } = [BertPad, BertUnknown, BertClassifier, BertSeparator, BertMask];
}
