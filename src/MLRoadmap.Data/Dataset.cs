namespace MLRoadmap.Data;

/// <summary>A map-style dataset: <see cref="Count"/> examples, each read by index (PyTorch's <c>Dataset</c>).
/// A <c>DataLoader</c> turns lists of examples into batches with a collate function.</summary>
public interface IDataset<out T>
{
    int Count { get; }

    /// <summary>The example at <paramref name="index"/>, 0 ≤ index &lt; Count. May be called from worker threads.</summary>
    T this[int index] { get; }
}

/// <summary>A dataset that gathers a whole batch at once (one native call per tensor, not one per example): the
/// fast path for data held in tensors. Must be safe to call from several threads at once.</summary>
public interface IBatchedDataset
{
    int Count { get; }

    /// <summary>The examples at <paramref name="indices"/>, in that order, as a new batch the caller owns.</summary>
    Batch GetBatch(ReadOnlySpan<int> indices);
}
