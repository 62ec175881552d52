namespace MLRoadmap.Data;

/// <summary>
/// Sliding windows over a multivariate series (T, C): example i is the input window of <c>window</c> steps starting
/// at step i·stride, (window, F_in), and the target of the <c>horizon</c> steps right after it, (horizon, F_out).
/// Windows are gathered when a batch is asked for (two IndexSelects), never materialised all at once. Batches are
/// (inputs (B, window, F_in), targets (B, horizon, F_out)), float32.
/// </summary>
public sealed class TimeSeriesDataset : IBatchedDataset, IDisposable
{
    private readonly Tensor _inputs;        // (T, F_in)
    private readonly Tensor _targets;       // (T, F_out)
    private readonly Tensor _windowSteps;   // (1, window): 0..window-1
    private readonly Tensor _horizonSteps;  // (1, horizon): window..window+horizon-1

    /// <summary>
    /// Windows over <paramref name="series"/> (T, C), copied as float32. <paramref name="inputColumns"/> and
    /// <paramref name="targetColumns"/> pick columns of C (default: all of them, for both);
    /// <paramref name="columnNames"/> (C names) are only kept for reference.
    /// </summary>
    public TimeSeriesDataset(Tensor series, int window, int horizon = 1, int stride = 1,
        IReadOnlyList<int>? inputColumns = null, IReadOnlyList<int>? targetColumns = null, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Dim != 2) throw new ArgumentException($"a series is (T, C), got shape [{string.Join(", ", series.Shape)}]", nameof(series));
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        long steps = series.Shape[0], channels = series.Shape[1];
        if (columnNames is not null && columnNames.Count != channels)
            throw new ArgumentException($"{columnNames.Count} column names for {channels} columns", nameof(columnNames));
        var inputs = Columns(inputColumns, channels, nameof(inputColumns));
        var targets = Columns(targetColumns, channels, nameof(targetColumns));
        if (steps < window + horizon)
            throw new ArgumentException($"a series of {steps} steps is shorter than one window of {window} plus a horizon of {horizon}", nameof(series));
        var count = (steps - window - horizon) / stride + 1;
        if (count > int.MaxValue) throw new ArgumentException($"{count} windows is more than a dataset can index", nameof(series));
        Count = (int)count;
        Window = window;
        Horizon = horizon;
        Stride = stride;
        InputColumns = inputs;
        TargetColumns = targets;
        ColumnNames = columnNames;

        using var scope = Torch.NewDisposeScope();
        var data = series.To(Device.CPU, ScalarType.Float32);
        _inputs = data.IndexSelect(1, Torch.Tensor(inputs.Select(c => (long)c).ToArray())).Contiguous().DetachFromDisposeScope();
        _targets = data.IndexSelect(1, Torch.Tensor(targets.Select(c => (long)c).ToArray())).Contiguous().DetachFromDisposeScope();
        _windowSteps = Torch.Arange(window, ScalarType.Int64).Unsqueeze(0).DetachFromDisposeScope();
        _horizonSteps = Torch.Arange(window, window + horizon, dtype: ScalarType.Int64).Unsqueeze(0).DetachFromDisposeScope();
    }

    public int Count { get; }

    public int Window { get; }

    public int Horizon { get; }

    public int Stride { get; }

    /// <summary>The series columns each input step holds, in order.</summary>
    public IReadOnlyList<int> InputColumns { get; }

    /// <summary>The series columns each target step holds, in order.</summary>
    public IReadOnlyList<int> TargetColumns { get; }

    public IReadOnlyList<string>? ColumnNames { get; }

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var starts = new long[indices.Length];
        for (var i = 0; i < starts.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {indices[i]} is outside the dataset's {Count} windows");
            starts[i] = (long)indices[i] * Stride;
        }
        using var scope = Torch.NewDisposeScope();
        var start = Torch.Tensor(starts).Unsqueeze(1);                                   // (B, 1)
        var b = starts.Length;
        var x = _inputs.IndexSelect(0, (start + _windowSteps).Flatten()).View(b, Window, _inputs.Shape[1]);
        var y = _targets.IndexSelect(0, (start + _horizonSteps).Flatten()).View(b, Horizon, _targets.Shape[1]);
        return new Batch(x, y);
    }

    /// <summary>
    /// Windows over numeric columns of a CSV file (header row). <paramref name="inputs"/> names the input columns,
    /// <paramref name="targets"/> the target columns (default: the inputs). Other columns (dates, labels) are not
    /// read; a non-numeric cell in a used column raises an error naming the file, line and column.
    /// </summary>
    public static TimeSeriesDataset ReadCsv(string path, IReadOnlyList<string> inputs, int window, int horizon = 1,
        int stride = 1, IReadOnlyList<string>? targets = null, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("name at least one input column", nameof(inputs));
        var table = CsvTable.Read(path, delimiter);
        var used = inputs.Concat(targets ?? []).Distinct(StringComparer.Ordinal).ToArray();
        var columns = used.Select(table.Column).ToArray();
        if (table.RowCount == 0) throw new InvalidDataException($"{path}: the file has a header but no data rows");
        var values = new float[(long)table.RowCount * columns.Length];
        for (var r = 0; r < table.RowCount; r++)
            for (var j = 0; j < columns.Length; j++)
                values[(long)r * columns.Length + j] = (float)table.Number(r, columns[j]);
        using var series = Torch.Tensor(values, [table.RowCount, columns.Length]);
        int Index(string name) => Array.IndexOf(used, name);
        return new TimeSeriesDataset(series, window, horizon, stride, inputs.Select(Index).ToArray(),
            (targets ?? inputs).Select(Index).ToArray(), used);
    }

    private static int[] Columns(IReadOnlyList<int>? columns, long channels, string name)
    {
        if (columns is null) return Enumerable.Range(0, (int)channels).ToArray();
        if (columns.Count == 0) throw new ArgumentException("pick at least one column", name);
        foreach (var c in columns)
            if (c < 0 || c >= channels) throw new ArgumentOutOfRangeException(name, $"column {c} is outside the series' {channels} columns");
        return [.. columns];
    }

    public void Dispose()
    {
        _inputs.Dispose();
        _targets.Dispose();
        _windowSteps.Dispose();
        _horizonSteps.Dispose();
    }
}
