using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data;

public class DataLoaderResumeTests
{
    private static DataLoaderOptions Options(int workers) => new()
    {
        BatchSize = 6, Shuffle = true, Seed = 2024, Workers = workers, Prefetch = 3, Transform = Loaders.Augmentation(),
    };

    /// <summary>Epochs 0..2 of 23 images in batches of 6 (4 per epoch), without interruption.</summary>
    private static List<BatchCopy> Uninterrupted(TensorDataset ds)
    {
        using var loader = new DataLoader(ds, Options(workers: 1));
        var all = new List<BatchCopy>();
        for (var epoch = 0; epoch < 3; epoch++) all.AddRange(Loaders.Epoch(loader));
        return all;
    }

    [Theory]
    [InlineData(1, 0, 0, 2)]
    [InlineData(1, 1, 2, 0)]
    [InlineData(1, 3, 0, 1)]
    [InlineData(1, 4, 2, 2)]   // stopped at the end of epoch 1: the resumed loader starts epoch 2
    [InlineData(0, 2, 1, 2)]
    public void A_restored_loader_yields_exactly_the_batches_an_uninterrupted_one_would(int stopEpoch, int stopAfter, int workersBefore, int workersAfter)
    {
        using var ds = Loaders.Images(23);
        var reference = Uninterrupted(ds);
        Assert.Equal(12, reference.Count);

        DataLoaderState state;
        var before = new List<BatchCopy>();
        using (var first = new DataLoader(ds, Options(workersBefore)))
        {
            for (var epoch = 0; epoch < stopEpoch; epoch++) before.AddRange(Loaders.Epoch(first));
            var taken = 0;
            if (stopAfter > 0)
                foreach (var batch in first)
                {
                    before.Add(BatchCopy.Of(batch, first.Epoch, first.Position - 1));
                    if (++taken == stopAfter) break;
                }
            if (stopAfter == 0) first.SetEpoch(stopEpoch);
            state = first.State;
        }
        Assert.Equal(new DataLoaderState(2024, stopEpoch, stopAfter), state);

        using var resumed = new DataLoader(ds, Options(workersAfter));
        resumed.Restore(state);
        var after = new List<BatchCopy>();
        while (after.Count + before.Count < reference.Count) after.AddRange(Loaders.Epoch(resumed));

        var joined = before.Concat(after).ToList();
        Assert.Equal(reference.Count, joined.Count);
        for (var k = 0; k < reference.Count; k++)
            Assert.True(reference[k].SameAs(joined[k]), $"batch {k} (epoch {reference[k].Epoch}, index {reference[k].Index}) differs after the resume");
    }

    [Fact]
    public void Resuming_at_position_k_reads_no_data_before_batch_k()
    {
        using var ds = Loaders.Indexed(50);
        var options = new DataLoaderOptions { BatchSize = 7, Shuffle = true, Seed = 9, Workers = 2 };
        var recorded = new RecordingDataset(ds);
        using var reference = new DataLoader(recorded, options);
        reference.SetEpoch(5);
        var expected = Loaders.Epoch(reference).Select(Loaders.Labels).ToList();

        var resumedData = new RecordingDataset(ds);
        using var resumed = new DataLoader(resumedData, options);
        resumed.Restore(new DataLoaderState(9, 5, 4));
        var rest = Loaders.Epoch(resumed).Select(Loaders.Labels).ToList();

        Assert.Equal(expected.Skip(4), rest);
        var calls = resumedData.Calls.ToList();
        Assert.Equal(expected.Count - 4, calls.Count);
        Assert.Equal(expected.Skip(4).SelectMany(l => l).Order(), calls.SelectMany(c => c).Select(i => (long)i).Order());
    }

    [Fact]
    public void Restore_refuses_a_state_from_another_seed_or_outside_an_epoch()
    {
        using var ds = Loaders.Indexed(10);
        using var loader = new DataLoader(ds, new DataLoaderOptions { BatchSize = 3, Seed = 5 });
        Assert.Contains("seed 6, but this loader's seed is 5",
            Assert.Throws<ArgumentException>(() => loader.Restore(new DataLoaderState(6, 0, 0))).Message, StringComparison.Ordinal);
        Assert.Contains("position 5 is outside 0..4",
            Assert.Throws<ArgumentOutOfRangeException>(() => loader.Restore(new DataLoaderState(5, 0, 5))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Restore(new DataLoaderState(5, 0, -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.Restore(new DataLoaderState(5, -1, 0)));
        Assert.Equal(new DataLoaderState(5, 0, 0), loader.State);        // nothing changed
        loader.Restore(new DataLoaderState(5, 7, 4));
        var next = Loaders.Epoch(loader);
        Assert.Equal((8, 4), (loader.Epoch, next.Count));
    }
}
