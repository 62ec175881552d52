using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data;

public class DataLoaderTests
{
    private static long[] Labels(IEnumerable<BatchCopy> batches) => batches.SelectMany(Loaders.Labels).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Without_shuffle_batches_follow_the_dataset_with_a_short_last_one(int workers)
    {
        using var ds = Loaders.Indexed(10);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 4, Workers = workers });
        Assert.Equal(3, loader.Length);
        var batches = Loaders.Epoch(loader);
        Assert.Equal([4, 4, 2], batches.Select(b => Loaders.Labels(b).Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), Labels(batches));
        Assert.Equal((0, 3), (loader.Epoch, loader.Position));
    }

    [Fact]
    public void DropLast_leaves_out_the_short_batch_and_counts_it_out_of_Length()
    {
        using var ds = Loaders.Indexed(10);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 4, DropLast = true, Shuffle = true, Seed = 3 });
        Assert.Equal(2, loader.Length);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = Loaders.Epoch(loader);
            Assert.Equal([4, 4], batches.Select(b => Loaders.Labels(b).Length));
            Assert.Equal(8, Labels(batches).Distinct().Count());
        }
        using var exact = new DataLoader(ds, new DataLoaderOptions { BatchSize = 5, DropLast = true });
        Assert.Equal(2, exact.Length);
    }

    [Fact]
    public void Shuffling_covers_every_example_once_per_epoch_in_an_order_of_seed_and_epoch()
    {
        using var ds = Loaders.Indexed(50);
        var options = new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 11 };
        using var a = new DataLoader(ds, options);
        using var b = new DataLoader(ds, options);
        using var other = new DataLoader(ds, options with { Seed = 12 });
        var orders = new List<long[]>();
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var order = Labels(Loaders.Epoch(a));
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), order.Order());
            Assert.Equal(order, Labels(Loaders.Epoch(b)));                // same seed, same epoch: same order
            Assert.NotEqual(order, Labels(Loaders.Epoch(other)));         // another seed
            orders.Add(order);
        }
        Assert.NotEqual(orders[0], orders[1]);
        Assert.NotEqual(orders[1], orders[2]);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), orders[0]);
    }

    [Fact]
    public void Each_enumeration_after_the_end_of_an_epoch_starts_the_next_and_SetEpoch_picks_one()
    {
        using var ds = Loaders.Indexed(6);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 4, Shuffle = true });
        var epoch0 = Labels(Loaders.Epoch(loader));
        var epoch1 = Labels(Loaders.Epoch(loader));
        Assert.Equal((1, 2), (loader.Epoch, loader.Position));
        Assert.Equal(new DataLoaderState(0, 1, 2), loader.State);
        loader.SetEpoch(0);
        Assert.Equal(epoch0, Labels(Loaders.Epoch(loader)));
        Assert.Equal(epoch1, Labels(Loaders.Epoch(loader)));
        loader.SetEpoch(1);
        Assert.Equal(epoch1, Labels(Loaders.Epoch(loader)));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.SetEpoch(-1));
    }

    [Fact]
    public void Batch_b_of_epoch_e_is_transformed_with_the_stream_of_seed_e_and_b()
    {
        using var ds = Loaders.Images(20);
        var transform = Loaders.Augmentation();
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 8, Seed = 31, Transform = transform, Workers = 2 });
        var epochs = new[] { Loaders.Epoch(loader), Loaders.Epoch(loader) };
        for (var e = 0; e < 2; e++)
            for (var b = 0; b < 3; b++)
            {
                using var batch = ds.GetBatch(Enumerable.Range(8 * b, Math.Min(8, 20 - 8 * b)).ToArray());
                transform.Apply(batch, new DataRandom(31, e, b));
                Assert.True(BatchCopy.Of(batch, e, b).SameAs(epochs[e][b]), $"batch {b} of epoch {e}");
            }
        // Without shuffling the epochs hold the same examples, augmented differently.
        Assert.False(epochs[0][0].Data[0].AsSpan().SequenceEqual(epochs[1][0].Data[0]));
    }

    [Fact]
    public void The_enumerator_disposes_each_batch_when_the_next_is_asked_for_and_the_last_at_the_end()
    {
        using var ds = Loaders.Indexed(6);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 2 });
        var seen = new List<Batch>();
        using (var e = loader.GetEnumerator())
        {
            Assert.True(e.MoveNext());
            seen.Add(e.Current);
            Assert.False(seen[0].IsDisposed);
            Assert.True(e.MoveNext());
            seen.Add(e.Current);
            Assert.True(seen[0].IsDisposed);
            Assert.False(seen[1].IsDisposed);
            Assert.True(e.MoveNext());
            seen.Add(e.Current);
            Assert.False(e.MoveNext());
            Assert.True(seen[2].IsDisposed);
            Assert.Throws<InvalidOperationException>(() => e.Current);
        }
        Assert.Equal(3, loader.Position);
    }

    [Fact]
    public void The_collate_path_reads_examples_in_batch_order_and_matches_the_batched_path()
    {
        var examples = Enumerable.Range(0, 23).Select(i => new Example([i, 10f * i], i)).ToArray();
        var dataset = new ListDataset(examples);
        var options = new DataLoaderOptions { BatchSize = 5, Shuffle = true, Seed = 4, Workers = 2 };
        var collatedLabels = new List<long>();
        using var loader = DataLoader.Create(dataset, Collate, options);
        var collated = new List<BatchCopy>();
        foreach (var batch in loader)
        {
            collated.Add(BatchCopy.Of(batch, loader.Epoch, loader.Position - 1));
            // The rows are the examples the labels name, in the same order.
            var x = batch.Input.ToArray<float>();
            var y = batch.Target.ToArray<long>();
            for (var k = 0; k < y.Length; k++) Assert.Equal([y[k], 10f * y[k]], x[(2 * k)..(2 * k + 2)]);
        }
        using var tensors = new TensorDataset(
            Torch.Tensor(examples.SelectMany(e => e.Features).ToArray(), [23, 2]),
            Torch.Tensor(examples.Select(e => e.Label).ToArray()));
        using var batched = new DataLoader(tensors, options);
        var direct = Loaders.Epoch(batched);
        Assert.Equal(direct.Count, collated.Count);
        Assert.All(direct.Zip(collated), p => Assert.True(p.First.SameAs(p.Second), $"batch {p.First.Index} differs"));
    }

    internal sealed record Example(float[] Features, long Label);

    internal sealed class ListDataset(IReadOnlyList<Example> examples) : IDataset<Example>
    {
        public int Count => examples.Count;

        public Example this[int index] => examples[index];
    }

    internal static Batch Collate(IReadOnlyList<Example> examples) => new(
        Torch.Tensor(examples.SelectMany(e => e.Features).ToArray(), [examples.Count, 2]),
        Torch.Tensor(examples.Select(e => e.Label).ToArray()));

    [Fact]
    public void PinMemory_pins_batches_only_where_CUDA_is_available()
    {
        using var ds = Loaders.Indexed(7);
        using var pinned = new DataLoader(ds, new DataLoaderOptions { BatchSize = 3, PinMemory = true, Workers = 1 });
        using var plain = new DataLoader(ds, new DataLoaderOptions { BatchSize = 3 });
        var flags = new List<bool>();
        var copies = new List<BatchCopy>();
        foreach (var batch in pinned)
        {
            flags.Add(batch.Input.IsPinned && batch.Target.IsPinned);
            copies.Add(BatchCopy.Of(batch, pinned.Epoch, pinned.Position - 1));
        }
        Assert.All(flags, f => Assert.Equal(Torch.Cuda.IsAvailable, f));
        Assert.All(copies.Zip(Loaders.Epoch(plain)), p => Assert.True(p.First.SameAs(p.Second)));
    }

    [Fact]
    public void Bad_options_and_datasets_are_refused_by_name()
    {
        using var ds = Loaders.Indexed(10);
        Assert.Contains("BatchSize must be at least 1 (got 0)",
            Assert.Throws<ArgumentException>(() => new DataLoader(ds, new DataLoaderOptions { BatchSize = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("Workers must be 0",
            Assert.Throws<ArgumentException>(() => new DataLoader(ds, new DataLoaderOptions { Workers = -1 })).Message, StringComparison.Ordinal);
        Assert.Contains("Prefetch must be at least 1",
            Assert.Throws<ArgumentException>(() => new DataLoader(ds, new DataLoaderOptions { Workers = 2, Prefetch = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("DropLast with BatchSize 16 leaves no batch of the dataset's 10 examples",
            Assert.Throws<ArgumentException>(() => new DataLoader(ds, new DataLoaderOptions { BatchSize = 16, DropLast = true })).Message, StringComparison.Ordinal);
        using var empty = new TensorDataset(Torch.Zeros([0, 3]));
        Assert.Contains("the dataset has 0 examples",
            Assert.Throws<ArgumentException>(() => new DataLoader(empty)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => new DataLoader(null!));
        // Prefetch doesn't matter when batches are built on the consumer's thread.
        using var inline = new DataLoader(ds, new DataLoaderOptions { Workers = 0, Prefetch = 0 });
        Assert.Single(Loaders.Epoch(inline));
    }

    [Fact]
    public void One_enumeration_at_a_time_and_no_repositioning_during_one()
    {
        using var ds = Loaders.Indexed(10);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 3, Workers = 2 });
        using (var e = loader.GetEnumerator())
        {
            Assert.True(e.MoveNext());
            Assert.Contains("already being enumerated", Assert.Throws<InvalidOperationException>(() => loader.GetEnumerator()).Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => loader.SetEpoch(3));
            Assert.Throws<InvalidOperationException>(() => loader.Restore(new DataLoaderState(0, 0, 0)));
            Assert.Equal(new DataLoaderState(0, 0, 1), loader.State);     // reading the state is fine mid-epoch
        }
        loader.SetEpoch(3);
        Assert.Equal(4, Loaders.Epoch(loader).Count);
    }

    [Fact]
    public void Disposing_the_loader_ends_its_enumeration()
    {
        using var ds = Loaders.Indexed(40);
        var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 2, Workers = 2 });
        var e = loader.GetEnumerator();
        Assert.True(e.MoveNext());
        var held = e.Current;
        loader.Dispose();
        Assert.True(held.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => e.MoveNext());
        Assert.Throws<ObjectDisposedException>(() => loader.GetEnumerator());
        e.Dispose();
    }
}
