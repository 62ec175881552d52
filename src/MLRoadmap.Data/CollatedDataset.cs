namespace MLRoadmap.Data;

/// <summary>A dataset of single examples seen as a batched one: reads the examples of a batch, then collates them.</summary>
internal sealed class CollatedDataset<T>(IDataset<T> dataset, Func<IReadOnlyList<T>, Batch> collate) : IBatchedDataset
{
    public int Count => dataset.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var examples = new T[indices.Length];
        for (var i = 0; i < examples.Length; i++) examples[i] = dataset[indices[i]];
        return collate(examples) ?? throw new InvalidOperationException("the collate function returned null");
    }
}
