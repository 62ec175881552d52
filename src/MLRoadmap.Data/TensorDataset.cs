namespace MLRoadmap.Data;

/// <summary>
/// Examples that are the rows of one or more tensors sharing their first dimension (PyTorch's <c>TensorDataset</c>):
/// images and labels read into memory, tabular features and targets. A batch is one <c>IndexSelect</c> per tensor.
/// The dataset owns its tensors and frees them on <see cref="Dispose"/>.
/// </summary>
public sealed class TensorDataset : IBatchedDataset, IDisposable
{
    private readonly Tensor[] _tensors;

    /// <summary>Takes ownership of <paramref name="tensors"/>; they must be on the CPU and share their first dimension.</summary>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("a TensorDataset needs at least one tensor", nameof(tensors));
        long rows = -1;
        for (var i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentException($"tensor {i} is null", nameof(tensors));
            ObjectDisposedException.ThrowIf(t.IsDisposed, t);
            if (t.Dim == 0) throw new ArgumentException($"tensor {i} is a scalar; a dataset tensor needs a first (example) dimension", nameof(tensors));
            if (rows < 0) rows = t.Shape[0];
            else if (t.Shape[0] != rows)
                throw new ArgumentException($"tensor {i} has {t.Shape[0]} rows but tensor 0 has {rows}; every tensor needs one row per example", nameof(tensors));
            if (rows > int.MaxValue) throw new ArgumentException($"{rows} examples is more than a dataset can index", nameof(tensors));
        }
        _tensors = tensors;
        foreach (var t in _tensors) t.DetachFromDisposeScope();
    }

    public int Count => (int)_tensors[0].Shape[0];

    /// <summary>The dataset's tensors (its own: read them, don't dispose them).</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var idx = new long[indices.Length];
        for (var i = 0; i < idx.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {indices[i]} is outside the dataset's {Count} examples");
            idx[i] = indices[i];
        }
        using var scope = Torch.NewDisposeScope();
        var index = Torch.Tensor(idx);
        var rows = new Tensor[_tensors.Length];
        for (var i = 0; i < rows.Length; i++) rows[i] = _tensors[i].IndexSelect(0, index);
        return new Batch(rows);
    }

    public void Dispose()
    {
        foreach (var t in _tensors) t.Dispose();
    }
}
