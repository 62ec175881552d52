namespace MLRoadmap.Data;

/// <summary>A <see cref="TensorDataset"/> of (input, int64 label) with the names of its classes, label order: what
/// the CIFAR and tabular classification readers return. Batches are (input, label).</summary>
public sealed class LabeledDataset : IBatchedDataset, IDisposable
{
    /// <summary>Takes ownership of <paramref name="data"/>.</summary>
    public LabeledDataset(TensorDataset data, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(classNames);
        Data = data;
        ClassNames = classNames;
    }

    /// <summary>The tensors: inputs first, int64 labels second.</summary>
    public TensorDataset Data { get; }

    /// <summary>Class names; label i names class i.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    public int Count => Data.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices) => Data.GetBatch(indices);

    public void Dispose() => Data.Dispose();
}
