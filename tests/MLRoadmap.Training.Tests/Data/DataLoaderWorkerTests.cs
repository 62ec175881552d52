using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data;

public class DataLoaderWorkerTests
{
    [Fact]
    public void Batches_are_bit_identical_for_0_1_and_2_workers_transforms_included()
    {
        using var ds = Loaders.Images(45);
        var options = new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 77, Transform = Loaders.Augmentation() };
        var runs = new List<List<BatchCopy>>();
        foreach (var (workers, prefetch) in new[] { (0, 1), (1, 1), (2, 2), (2, 5) })
        {
            using var loader = new DataLoader(ds, options with { Workers = workers, Prefetch = prefetch });
            var run = new List<BatchCopy>();
            for (var epoch = 0; epoch < 2; epoch++) run.AddRange(Loaders.Epoch(loader));
            runs.Add(run);
        }
        Assert.Equal(12, runs[0].Count);
        Assert.Equal("Float32[8,3,8,8]", runs[0][0].Shapes[0]);
        foreach (var run in runs.Skip(1))
            for (var k = 0; k < run.Count; k++) Assert.True(runs[0][k].SameAs(run[k]), $"batch {k} differs");
        // The augmentation did something: epochs differ in more than their order.
        Assert.False(runs[0][0].Data[0].AsSpan().SequenceEqual(runs[0][6].Data[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_failure_building_a_batch_surfaces_naming_the_epoch_and_batch(int workers)
    {
        using var ds = Loaders.Indexed(30);
        var failing = new FailingDataset(ds, failAt: 12);
        using var loader = new DataLoader(failing, new DataLoaderOptions { BatchSize = 4, Workers = workers, Prefetch = 4 });
        Assert.Equal(8, Loaders.Epoch(loader).Count);
        failing.Armed = true;
        var handed = new List<int>();
        var e = Assert.Throws<DataLoaderException>(() =>
        {
            foreach (var batch in loader) handed.Add(loader.Position - 1);
        });
        Assert.Equal((1, 3), (e.Epoch, e.BatchIndex));
        Assert.Contains("batch 3 of epoch 1", e.Message, StringComparison.Ordinal);
        var inner = Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.Equal("example 12 is corrupt", inner.Message);
        Assert.Equal([0, 1, 2], handed);
        Assert.Equal(new DataLoaderState(0, 1, 3), loader.State);   // the failed batch was not handed out
        failing.Armed = false;
        Assert.Equal(5, Loaders.Epoch(loader).Count);                 // the same epoch carries on from there
    }

    [Fact]
    public void Slow_workers_still_deliver_in_order()
    {
        using var ds = Loaders.Indexed(40);
        // Later batches take less time, so with 4 workers they finish first.
        var slow = new SlowDataset(ds, first => Math.Max(0, 40 - first));
        using var loader = new DataLoader(slow, new DataLoaderOptions { BatchSize = 4, Workers = 4, Prefetch = 4 });
        var labels = Loaders.Epoch(loader).SelectMany(Loaders.Labels).ToArray();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), labels);
    }
}
