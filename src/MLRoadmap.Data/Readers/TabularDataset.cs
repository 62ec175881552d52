using System.Globalization;

namespace MLRoadmap.Data;

/// <summary>What a tabular target column holds.</summary>
public enum TargetKind
{
    /// <summary>Regression when every target cell is a number, classification otherwise.</summary>
    Auto,
    /// <summary>Numbers, as float32.</summary>
    Regression,
    /// <summary>Class labels (strings or numbers), as int64 indices into the sorted distinct labels.</summary>
    Classification,
}

/// <summary>
/// A table of numeric features (N, F) float32 and a target (N): float32 for regression, int64 class indices for
/// classification (with <see cref="ClassNames"/>). Batches are (features, target). Read one with
/// <see cref="Read"/>.
/// </summary>
public sealed class TabularDataset : IBatchedDataset, IDisposable
{
    private readonly TensorDataset _data;

    private TabularDataset(TensorDataset data, IReadOnlyList<string> featureNames, string targetName, IReadOnlyList<string>? classNames)
    {
        _data = data;
        FeatureNames = featureNames;
        TargetName = targetName;
        ClassNames = classNames;
    }

    /// <summary>(N, F) float32.</summary>
    public Tensor Features => _data.Tensors[0];

    /// <summary>(N): float32 for regression, int64 for classification.</summary>
    public Tensor Target => _data.Tensors[1];

    public IReadOnlyList<string> FeatureNames { get; }

    public string TargetName { get; }

    /// <summary>The class labels in index order (sorted: numerically when all are numbers, else ordinal), or null
    /// for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    public bool IsClassification => ClassNames is not null;

    public int Count => _data.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices) => _data.GetBatch(indices);

    public void Dispose() => _data.Dispose();

    /// <summary>
    /// Reads a CSV file with a header row. <paramref name="target"/> names the target column;
    /// <paramref name="features"/> names the feature columns (default: every other column, in file order). A
    /// non-numeric feature cell (or regression target) raises <see cref="InvalidDataException"/> naming the file,
    /// line and column.
    /// </summary>
    public static TabularDataset Read(string path, string target, IReadOnlyList<string>? features = null,
        TargetKind kind = TargetKind.Auto, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(target);
        return FromTable(CsvTable.Read(path, delimiter), target, features, kind);
    }

    /// <summary>As <see cref="Read"/>, from a parsed table.</summary>
    public static TabularDataset FromTable(CsvTable table, string target, IReadOnlyList<string>? features = null,
        TargetKind kind = TargetKind.Auto)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(target);
        var targetColumn = table.Column(target);
        var featureColumns = features is null
            ? Enumerable.Range(0, table.Header.Count).Where(c => c != targetColumn).ToArray()
            : features.Select(table.Column).ToArray();
        if (featureColumns.Contains(targetColumn))
            throw new ArgumentException($"{table.File}: column '{target}' is both the target and a feature", nameof(features));
        if (table.RowCount == 0) throw new InvalidDataException($"{table.File}: the file has a header but no data rows");

        int n = table.RowCount, f = featureColumns.Length;
        var x = new float[(long)n * f];
        for (var r = 0; r < n; r++)
            for (var j = 0; j < f; j++)
                x[(long)r * f + j] = (float)table.Number(r, featureColumns[j]);

        if (kind == TargetKind.Auto) kind = AllNumbers(table, targetColumn) ? TargetKind.Regression : TargetKind.Classification;
        using var scope = Torch.NewDisposeScope();
        var featureTensor = Torch.Tensor(x, [n, f]);
        var featureNames = featureColumns.Select(c => table.Header[c]).ToArray();
        if (kind == TargetKind.Regression)
        {
            var y = new float[n];
            for (var r = 0; r < n; r++) y[r] = (float)table.Number(r, targetColumn);
            return new TabularDataset(new TensorDataset(featureTensor, Torch.Tensor(y)), featureNames, target, null);
        }
        var classes = ClassesOf(table, targetColumn);
        var index = classes.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => (long)p.i, StringComparer.Ordinal);
        var labels = new long[n];
        for (var r = 0; r < n; r++) labels[r] = index[table[r, targetColumn]];
        return new TabularDataset(new TensorDataset(featureTensor, Torch.Tensor(labels)), featureNames, target, classes);
    }

    private static bool AllNumbers(CsvTable table, int column)
    {
        for (var r = 0; r < table.RowCount; r++)
            if (!double.TryParse(table[r, column], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return false;
        return true;
    }

    // Sorted distinct labels, as sklearn's LabelEncoder orders them: by value for numbers, ordinal for strings.
    private static string[] ClassesOf(CsvTable table, int column)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (var r = 0; r < table.RowCount; r++) distinct.Add(table[r, column]);
        if (distinct.Contains("")) throw new InvalidDataException($"{table.File}: column '{table.Header[column]}' has an empty label " +
            $"(first at line {table.LineOf(Enumerable.Range(0, table.RowCount).First(r => table[r, column].Length == 0))})");
        return AllNumbers(table, column)
            ? [.. distinct.OrderBy(s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)).ThenBy(s => s, StringComparer.Ordinal)]
            : [.. distinct.Order(StringComparer.Ordinal)];
    }
}
