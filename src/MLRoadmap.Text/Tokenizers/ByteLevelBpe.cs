namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Byte-level BPE tokenizers as GPT-2 and RoBERTa publish them: loaded from vocab.json + merges.txt or a
/// tokenizer.json, or trained on a corpus. Every string round-trips: <c>Decode(Encode(s).Ids) == s</c>.
/// </summary>
public static class ByteLevelBpe
{
    /// <summary>Loads a tokenizer.json (any this library reads; see <see cref="TokenizerJson"/>).</summary>
    public static Tokenizer FromTokenizerJson(string path) => TokenizerJson.Load(path);

    /// <summary>
    /// GPT-2's files: vocab.json (token to id) and merges.txt (a "#version" line, then one "a b" merge a line, in
    /// rank order). Vocabulary entries among <paramref name="specialTokens"/> (default: &lt;|endoftext|&gt;) become
    /// special tokens.
    /// </summary>
    /// <exception cref="InvalidDataException">a malformed file; the message names it (and the line, for merges)</exception>
    public static Tokenizer FromVocabAndMerges(string vocabJsonPath, string mergesTxtPath, bool addPrefixSpace = false,
        IEnumerable<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabJsonPath);
        ArgumentNullException.ThrowIfNull(mergesTxtPath);
        Vocabulary vocab;
        using (var doc = JsonSource.Parse(vocabJsonPath))
            vocab = new JsonSource(vocabJsonPath).Vocab(doc.RootElement, "the vocabulary (the top-level object)");
        var merges = ReadMergesTxt(mergesTxtPath, out var lines);
        for (var i = 0; i < merges.Count; i++)
        {
            var (left, right) = merges[i];
            foreach (var token in new[] { left, right, left + right })
                if (vocab.TokenToId(token) == null)
                    throw new InvalidDataException($"{mergesTxtPath}: line {lines[i]}: the merge \"{left} {right}\" " +
                        $"needs the token '{token}', which is not in {vocabJsonPath}");
        }
        var model = new BpeModel(vocab, merges);
        var tokenizer = Create(model, addPrefixSpace);
        foreach (var special in specialTokens ?? [SpecialTokens.EndOfText])
            if (vocab.TokenToId(special) != null) tokenizer.AddSpecialTokens(special);
        return tokenizer;
    }

    /// <summary>A GPT-2 style tokenizer around <paramref name="model"/>: byte-level split, decode and post-processing.</summary>
    public static Tokenizer Create(BpeModel model, bool addPrefixSpace = false) => new(model)
    {
        PreTokenizer = new ByteLevelPreTokenizer(addPrefixSpace),
        PostProcessor = new ByteLevelProcessor(),
        Decoder = new ByteLevelDecoder(),
    };

    /// <summary>
    /// Trains a byte-level BPE on <paramref name="texts"/> (each a line or a document) and returns a GPT-2 style
    /// tokenizer with the trainer's special tokens added.
    /// </summary>
    public static Tokenizer Train(IEnumerable<string> texts, BpeTrainer trainer, bool addPrefixSpace = false)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var preTokenizer = new ByteLevelPreTokenizer(addPrefixSpace);
        var model = trainer.Train(texts, preTokenizer);
        var tokenizer = Create(model, addPrefixSpace);
        tokenizer.AddSpecialTokens([.. trainer.SpecialTokens]);
        return tokenizer;
    }

    /// <summary>Trains on text files, read line by line with their line endings (as HF's trainer reads them).</summary>
    public static Tokenizer TrainFromFiles(IEnumerable<string> files, BpeTrainer trainer, bool addPrefixSpace = false) =>
        Train(ReadLines(files ?? throw new ArgumentNullException(nameof(files))), trainer, addPrefixSpace);

    /// <summary>Yields a file's lines, each with its "\n" (or "\r\n"), the last one as it ends.</summary>
    public static IEnumerable<string> ReadLines(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var start = 0;
            while (start < text.Length)
            {
                var nl = text.IndexOf('\n', start);
                var end = nl < 0 ? text.Length : nl + 1;
                yield return text[start..end];
                start = end;
            }
        }
    }

    /// <summary>Reads GPT-2's merges.txt; a line that is not two tokens separated by one space is an error.</summary>
    public static List<(string Left, string Right)> ReadMergesTxt(string path) => ReadMergesTxt(path, out _);

    private static List<(string Left, string Right)> ReadMergesTxt(string path, out List<int> lineNumbers)
    {
        ArgumentNullException.ThrowIfNull(path);
        lineNumbers = [];
        var merges = new List<(string, string)>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("#version", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{path}: line {i + 1} is \"{(line.Length > 60 ? line[..60] + "..." : line)}\"; " +
                    "a merge is two tokens separated by one space");
            merges.Add((parts[0], parts[1]));
            lineNumbers.Add(i + 1);
        }
        return merges;
    }
}
