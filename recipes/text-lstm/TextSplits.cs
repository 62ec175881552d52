using System.Text;
using MLRoadmap.Data;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// The labelled texts of a run, split into training, validation and test: the fortunes default (one class per
/// fortune file, items between lines holding only <c>%</c>), a folder of class folders (each file one text), the
/// aclImdb layout (train/{neg,pos}, test/{neg,pos}; train/unsup ignored), or a CSV file with text and label columns.
/// Splits are stratified (each class split in the same proportions) and depend on <c>data.split_seed</c> only.
/// </summary>
public sealed record TextSplits(IReadOnlyList<string> Classes, IReadOnlyList<TextExample> Train, IReadOnlyList<TextExample> Val,
    IReadOnlyList<TextExample> Test)
{
    /// <summary>Reads and splits the texts <paramref name="data"/> names.</summary>
    public static TextSplits Load(TextData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Path is null) return Split(Fortunes(data), data, data.TestFraction);
        var format = Format(data);
        if (format == "imdb")
        {
            var train = Examples(TextDataset.FromImdb(data.Path, train: true), data.LimitPerClass);
            var test = Examples(TextDataset.FromImdb(data.Path, train: false), data.LimitPerClass);
            var (fit, val, _) = Stratify(train.Texts, data.ValFraction, 0, data.SplitSeed, train.Classes);
            return new TextSplits(train.Classes, fit, val, test.Texts);
        }
        var all = format == "csv"
            ? Examples(TextDataset.FromCsv(data.Path, data.TextColumn, data.LabelColumn), data.LimitPerClass)
            : Examples(TextDataset.FromFolders(data.Path, "*"), data.LimitPerClass);
        return Split(all, data, data.TestFraction);
    }

    /// <summary>"imdb", "csv" or "folders": what data.path holds (data.format, or told by the path when auto).</summary>
    public static string Format(TextData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var path = data.Path ?? throw new ConfigException("data.path is not set");
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new DirectoryNotFoundException($"data.path {path} does not exist (a folder of class folders, an aclImdb folder or a .csv file)");
        if (data.Format != "auto") return data.Format;
        if (File.Exists(path)) return "csv";
        return Directory.Exists(Path.Combine(path, "train", "pos")) && Directory.Exists(Path.Combine(path, "train", "neg")) ? "imdb" : "folders";
    }

    private static TextSplits Split((IReadOnlyList<string> Classes, List<TextExample> Texts) all, TextData data, double testFraction)
    {
        var (train, val, test) = Stratify(all.Texts, data.ValFraction, testFraction, data.SplitSeed, all.Classes);
        return new TextSplits(all.Classes, train, val, test);
    }

    // Each class's texts shuffled by the split seed, then cut: the first for validation, the next for test, the rest
    // for training. Every class needs at least one text in each split.
    private static (List<TextExample> Train, List<TextExample> Val, List<TextExample> Test) Stratify(List<TextExample> texts,
        double valFraction, double testFraction, ulong seed, IReadOnlyList<string> classes)
    {
        List<TextExample> train = [], val = [], test = [];
        for (var c = 0; c < classes.Count; c++)
        {
            var members = texts.Where(t => t.Label == c).ToArray();
            var nVal = Math.Max(1, (int)Math.Round(members.Length * valFraction));
            var nTest = testFraction > 0 ? Math.Max(1, (int)Math.Round(members.Length * testFraction)) : 0;
            if (members.Length < nVal + nTest + 1)
                throw new InvalidDataException($"class '{classes[c]}' has {members.Length} text(s): too few to give training, validation" +
                                               (testFraction > 0 ? " and test" : "") + " at least one each");
            var order = Enumerable.Range(0, members.Length).ToArray();
            new DataRandom(seed, c, 0).Shuffle(order);
            val.AddRange(order[..nVal].Select(i => members[i]));
            test.AddRange(order[nVal..(nVal + nTest)].Select(i => members[i]));
            train.AddRange(order[(nVal + nTest)..].Select(i => members[i]));
        }
        return (train, val, test);
    }

    private static (IReadOnlyList<string> Classes, List<TextExample> Texts) Examples(TextDataset set, int? limitPerClass)
    {
        var texts = new List<TextExample>();
        var taken = new int[set.ClassNames.Count];
        for (var i = 0; i < set.Count; i++)
        {
            var label = set.Labels[i];
            if (limitPerClass is { } n && taken[label] >= n) continue;
            taken[label]++;
            texts.Add(set[i]);
        }
        for (var c = 0; c < taken.Length; c++)
            if (taken[c] == 0) throw new InvalidDataException($"class '{set.ClassNames[c]}' has no texts");
        return (set.ClassNames, texts);
    }

    /// <summary>The fortunes of data.categories, each file a class (in the order listed).</summary>
    private static (IReadOnlyList<string> Classes, List<TextExample> Texts) Fortunes(TextData data)
    {
        var classes = data.Categories.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (classes.Length < 2) throw new ConfigException($"data.categories='{data.Categories}' names {classes.Length} category; a classifier needs two or more");
        if (classes.Distinct(StringComparer.Ordinal).Count() != classes.Length) throw new ConfigException($"data.categories='{data.Categories}' names a category twice");
        var texts = new List<TextExample>();
        for (var c = 0; c < classes.Length; c++)
        {
            var file = Path.Combine(data.FortunesDir, classes[c]);
            if (!File.Exists(file))
                throw new FileNotFoundException($"fortune file {file} does not exist (apt-get install fortunes, or fix data.categories / data.fortunes_dir)", file);
            var items = ReadFortunes(file);
            if (items.Count == 0) throw new InvalidDataException($"{file} holds no fortunes (items separated by lines holding only %)");
            texts.AddRange(items.Take(data.LimitPerClass ?? int.MaxValue).Select(t => new TextExample(t, c)));
        }
        return (classes, texts);
    }

    /// <summary>The items of a fortune file: text between lines holding only "%", trimmed, empty ones dropped.</summary>
    public static List<string> ReadFortunes(string file)
    {
        var items = new List<string>();
        var item = new StringBuilder();
        foreach (var line in File.ReadLines(file, Encoding.UTF8))
        {
            if (line == "%")
            {
                Flush();
                continue;
            }
            item.Append(line).Append('\n');
        }
        Flush();
        return items;

        void Flush()
        {
            var text = item.ToString().Trim();
            if (text.Length > 0) items.Add(text);
            item.Clear();
        }
    }
}
