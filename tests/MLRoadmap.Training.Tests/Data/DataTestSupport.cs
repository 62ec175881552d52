using System.Collections.Concurrent;
using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;

namespace MLRoadmap.Tests.Data;

/// <summary>What a test keeps of a batch after the loader has disposed it: each tensor's dtype, shape and bytes.</summary>
internal sealed record BatchCopy(int Epoch, int Index, string[] Shapes, byte[][] Data)
{
    public static BatchCopy Of(Batch batch, int epoch, int index)
    {
        var shapes = new string[batch.Count];
        var data = new byte[batch.Count][];
        for (var i = 0; i < batch.Count; i++)
        {
            shapes[i] = $"{batch[i].Dtype}[{string.Join(",", batch[i].Shape)}]";
            data[i] = batch[i].ToBytes();
        }
        return new BatchCopy(epoch, index, shapes, data);
    }

    public bool SameAs(BatchCopy other) =>
        Epoch == other.Epoch && Index == other.Index && Shapes.SequenceEqual(other.Shapes) &&
        Data.Zip(other.Data).All(p => p.First.AsSpan().SequenceEqual(p.Second));
}

internal static class Loaders
{
    /// <summary>The rest of the current epoch (or the next one), copied batch by batch.</summary>
    public static List<BatchCopy> Epoch(DataLoader loader)
    {
        var copies = new List<BatchCopy>();
        foreach (var batch in loader) copies.Add(BatchCopy.Of(batch, loader.Epoch, loader.Position - 1));
        return copies;
    }

    /// <summary>uint8 images (n, 3, 8, 8) with distinct contents and int64 labels 0..n-1, for image pipelines.</summary>
    public static TensorDataset Images(int n)
    {
        using var scope = Torch.NewDisposeScope();
        var pixels = Torch.Arange(n * 3 * 8 * 8, ScalarType.Int64).Mul_(37).Remainder_(251).To(ScalarType.UInt8).Reshape(n, 3, 8, 8);
        return new TensorDataset(pixels, Torch.Arange(n, ScalarType.Int64));
    }

    /// <summary>Rows (n, 2) holding [i, 10 i] and labels i: every example names its own index.</summary>
    public static TensorDataset Indexed(int n)
    {
        using var scope = Torch.NewDisposeScope();
        var i = Torch.Arange(n, ScalarType.Int64);
        return new TensorDataset(Torch.Stack([i, i * 10], 1), i.Clone());
    }

    /// <summary>A CIFAR-style augmentation stack with every random transform.</summary>
    public static IBatchTransform Augmentation() => new Compose(
        new ToFloat(1.0 / 255),
        new RandomCrop(8, padding: 2),
        new RandomHorizontalFlip(),
        new RandomErasing(p: 0.7),
        new Normalize([0.49, 0.48, 0.45], [0.25, 0.24, 0.26]));

    /// <summary>The labels of a batch copy (tensor 1, int64).</summary>
    public static long[] Labels(BatchCopy copy) =>
        Enumerable.Range(0, copy.Data[1].Length / 8).Select(k => BitConverter.ToInt64(copy.Data[1], 8 * k)).ToArray();
}

/// <summary>A real dataset that remembers which indices each GetBatch call asked for.</summary>
internal sealed class RecordingDataset(IBatchedDataset inner) : IBatchedDataset
{
    public ConcurrentQueue<int[]> Calls { get; } = new();

    public int Count => inner.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        Calls.Enqueue(indices.ToArray());
        return inner.GetBatch(indices);
    }
}

/// <summary>A dataset whose GetBatch throws for the batch starting at <see cref="FailAt"/> while armed.</summary>
internal sealed class FailingDataset(IBatchedDataset inner, int failAt) : IBatchedDataset
{
    public volatile bool Armed;

    public int Count => inner.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        if (Armed && indices[0] == failAt) throw new InvalidDataException($"example {failAt} is corrupt");
        return inner.GetBatch(indices);
    }
}

/// <summary>A dataset that takes <c>delay(first index)</c> milliseconds per batch, to shape the workers' timing.</summary>
internal sealed class SlowDataset(IBatchedDataset inner, Func<int, int> delay) : IBatchedDataset
{
    public int Count => inner.Count;

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        Thread.Sleep(delay(indices[0]));
        return inner.GetBatch(indices);
    }
}
