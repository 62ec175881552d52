namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// BERT's tokenizer: <see cref="BertNormalizer"/> (clean-up, CJK splitting, accent stripping, lower-casing),
/// <see cref="BertPreTokenizer"/> (whitespace and punctuation), then <see cref="WordPieceModel"/> with "##"
/// continuations; [CLS] A [SEP] (B [SEP]) around the result, batches padded with [PAD].
/// </summary>
public static class WordPiece
{
    /// <summary>Reads vocab.txt: one token a line, its id the line's index (from 0), trailing whitespace dropped.</summary>
    /// <exception cref="InvalidDataException">an empty line or a token given twice (the message names the lines)</exception>
    public static Vocabulary ReadVocabTxt(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: the vocabulary file is empty");
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<KeyValuePair<string, int>>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var token = lines[i].TrimEnd();
            if (token.Length == 0) throw new InvalidDataException($"{path}: line {i + 1} is empty (a vocab.txt has one token a line)");
            if (!firstLine.TryAdd(token, i + 1))
                throw new InvalidDataException($"{path}: line {i + 1} repeats the token '{token}' of line {firstLine[token]}");
            entries.Add(new(token, i));
        }
        return new Vocabulary(entries);
    }

    /// <summary>
    /// BERT's tokenizer over a vocab.txt (bert-base-uncased's: <paramref name="lowercase"/> true; cased models:
    /// false). Accents are stripped when lower-casing unless <paramref name="stripAccents"/> says otherwise.
    /// </summary>
    /// <exception cref="InvalidDataException">the file is malformed or lacks [UNK], [CLS] or [SEP]</exception>
    public static Tokenizer FromBertVocab(string vocabTxtPath, bool lowercase = true, bool? stripAccents = null,
        bool handleChineseChars = true, int maxInputCharsPerWord = 100)
    {
        var vocab = ReadVocabTxt(vocabTxtPath);
        foreach (var required in new[] { SpecialTokens.BertUnknown, SpecialTokens.BertClassifier, SpecialTokens.BertSeparator })
            if (vocab.TokenToId(required) == null)
                throw new InvalidDataException($"{vocabTxtPath}: BERT's special token {required} is not in the vocabulary");
        return Create(new WordPieceModel(vocab, SpecialTokens.BertUnknown, "##", maxInputCharsPerWord),
            new BertNormalizer(true, handleChineseChars, stripAccents, lowercase));
    }

    /// <summary>A BERT-style tokenizer around <paramref name="model"/>, whose vocabulary has BERT's special tokens.</summary>
    public static Tokenizer Create(WordPieceModel model, BertNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var vocab = model.Vocab;
        var cls = vocab.TokenToId(SpecialTokens.BertClassifier) ?? throw new ArgumentException("the vocabulary has no [CLS]");
        var sep = vocab.TokenToId(SpecialTokens.BertSeparator) ?? throw new ArgumentException("the vocabulary has no [SEP]");
        var tokenizer = new Tokenizer(model)
        {
            Normalizer = normalizer ?? new BertNormalizer(),
            PreTokenizer = new BertPreTokenizer(),
            PostProcessor = TemplateProcessor.Bert(SpecialTokens.BertClassifier, cls, SpecialTokens.BertSeparator, sep),
            Decoder = new WordPieceDecoder(),
        };
        foreach (var special in SpecialTokens.Bert)
            if (vocab.TokenToId(special) != null) tokenizer.AddSpecialTokens(special);
        if (vocab.TokenToId(SpecialTokens.BertPad) != null) tokenizer.EnablePadding(SpecialTokens.BertPad);
        return tokenizer;
    }
}
