namespace MLRoadmap.Data;

/// <summary>One labelled text: the text and its class index.</summary>
public readonly record struct TextExample(string Text, int Label);

/// <summary>
/// Labelled texts for classification, with the class names in label order. From folders (read lazily: a file is
/// read and UTF-8-decoded when its example is asked for) or from a CSV file (held in memory). The order is
/// deterministic: classes and files sorted by ordinal name.
/// </summary>
public sealed class TextDataset : IDataset<TextExample>
{
    private readonly string[]? _paths;
    private readonly string[]? _texts;
    private readonly int[] _labels;

    private TextDataset(string[]? paths, string[]? texts, int[] labels, IReadOnlyList<string> classNames)
    {
        _paths = paths;
        _texts = texts;
        _labels = labels;
        ClassNames = classNames;
    }

    public IReadOnlyList<string> ClassNames { get; }

    public int Count => _labels.Length;

    /// <summary>The file each example comes from (folder datasets), or null (CSV).</summary>
    public IReadOnlyList<string>? Paths => _paths;

    /// <summary>The labels of every example, without reading any text.</summary>
    public IReadOnlyList<int> Labels => _labels;

    public TextExample this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside the dataset's {Count} examples");
            var text = _texts is not null ? _texts[index] : TextCorpus.DecodeUtf8(File.ReadAllBytes(_paths![index]), _paths[index]);
            return new TextExample(text, _labels[index]);
        }
    }

    /// <summary>One folder per class: <c>root/&lt;class&gt;/*.txt</c> (or <paramref name="searchPattern"/>);
    /// classes are the sub-folders in ordinal order.</summary>
    public static TextDataset FromFolders(string root, string searchPattern = "*.txt")
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"text dataset folder {root} does not exist");
        var classes = Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new InvalidDataException($"{root} has no class sub-folders (expected root/<class>/{searchPattern})");
        return FromClassFolders(classes, classes.Select(c => Path.Combine(root, c)).ToArray(), searchPattern);
    }

    /// <summary>The IMDB review layout (aclImdb): <c>root/train/{neg,pos}/*.txt</c> or <c>root/test/…</c>; the
    /// unlabelled <c>train/unsup</c> is left out. Labels: neg 0, pos 1.</summary>
    public static TextDataset FromImdb(string root, bool train = true)
    {
        ArgumentNullException.ThrowIfNull(root);
        var split = Path.Combine(root, train ? "train" : "test");
        string[] classes = ["neg", "pos"];
        var folders = classes.Select(c => Path.Combine(split, c)).ToArray();
        foreach (var f in folders)
            if (!Directory.Exists(f)) throw new DirectoryNotFoundException($"{f} does not exist (expected the aclImdb layout root/{{train,test}}/{{neg,pos}})");
        return FromClassFolders(classes, folders, "*.txt");
    }

    private static TextDataset FromClassFolders(string[] classes, string[] folders, string searchPattern)
    {
        var paths = new List<string>();
        var labels = new List<int>();
        for (var c = 0; c < classes.Length; c++)
        {
            var files = Directory.GetFiles(folders[c], searchPattern).Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new InvalidDataException($"class folder {folders[c]} holds no files matching '{searchPattern}'");
            paths.AddRange(files);
            labels.AddRange(Enumerable.Repeat(c, files.Length));
        }
        return new TextDataset([.. paths], null, [.. labels], classes);
    }

    /// <summary>A CSV file (header row) with a text column and a label column (names given); class names are the
    /// distinct labels in ordinal order.</summary>
    public static TextDataset FromCsv(string path, string textColumn = "text", string labelColumn = "label", char delimiter = ',')
    {
        var table = CsvTable.Read(path, delimiter);
        int text = table.Column(textColumn), label = table.Column(labelColumn);
        var classes = Enumerable.Range(0, table.RowCount).Select(r => table[r, label]).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
        for (var r = 0; r < table.RowCount; r++)
            if (table[r, label].Length == 0) throw new InvalidDataException($"{path}: line {table.LineOf(r)}: the label ('{labelColumn}') is empty");
        var index = classes.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var texts = new string[table.RowCount];
        var labels = new int[table.RowCount];
        for (var r = 0; r < table.RowCount; r++)
        {
            texts[r] = table[r, text];
            labels[r] = index[table[r, label]];
        }
        return new TextDataset(null, texts, labels, classes);
    }
}
