using MLRoadmap.Data;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Data;

/// <summary>Every tensor the loader makes is freed: batches handed out, batches built ahead and never taken, and what
/// datasets, collate functions and transforms create on the way. Counts live tensors, so runs alone.</summary>
[Collection(SerialTests.Name)]
public class DataLoaderMemoryTests
{
    private static void AssertNoLeak(Action run, string what)
    {
        run();                                    // first use may create long-lived engine state
        var before = Torch.LiveTensorCount;
        run();
        Assert.True(before == Torch.LiveTensorCount, $"{what}: {Torch.LiveTensorCount - before} tensors left alive");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Breaking_early_frees_the_batch_in_hand_and_every_prefetched_one(int workers)
    {
        using var ds = Loaders.Images(64);
        var options = new DataLoaderOptions { BatchSize = 4, Shuffle = true, Workers = workers, Prefetch = 6, Transform = Loaders.Augmentation() };
        AssertNoLeak(() =>
        {
            using var loader = new DataLoader(ds, options);
            var n = 0;
            foreach (var batch in loader)
            {
                if (++n == 3)
                {
                    // Give the workers time to fill the whole prefetch window before the break.
                    Thread.Sleep(100);
                    break;
                }
            }
            Assert.Equal(3, loader.Position);
        }, "break after 3 batches");
        AssertNoLeak(() =>
        {
            using var loader = new DataLoader(ds, options);
            for (var epoch = 0; epoch < 2; epoch++)
                foreach (var batch in loader) Assert.Equal(4, batch.Size);
        }, "two whole epochs");
    }

    [Fact]
    public void Batches_workers_finish_after_the_consumer_left_are_freed()
    {
        using var ds = Loaders.Images(64);
        // Batch 0 is quick, the others take 150 ms: the break comes while three workers are mid-batch.
        var slow = new SlowDataset(ds, first => first == 0 ? 0 : 150);
        AssertNoLeak(() =>
        {
            using var loader = new DataLoader(slow, new DataLoaderOptions { BatchSize = 4, Workers = 3, Prefetch = 3, Transform = Loaders.Augmentation() });
            foreach (var batch in loader) break;
        }, "break while workers are busy");
    }

    [Fact]
    public void A_failing_batch_leaves_nothing_behind()
    {
        using var ds = Loaders.Images(64);
        var failing = new FailingDataset(ds, failAt: 20) { Armed = true };
        AssertNoLeak(() =>
        {
            using var loader = new DataLoader(failing, new DataLoaderOptions { BatchSize = 4, Workers = 3, Prefetch = 8, Transform = Loaders.Augmentation() });
            Assert.Throws<DataLoaderException>(() =>
            {
                foreach (var batch in loader) Assert.Equal(4, batch.Size);
            });
        }, "failure at batch 5");
    }

    [Fact]
    public void Tensors_a_collate_function_makes_besides_the_batch_are_freed()
    {
        var examples = Enumerable.Range(0, 20).Select(i => new DataLoaderTests.Example([i, 2f * i], i)).ToArray();
        var dataset = new DataLoaderTests.ListDataset(examples);
        // One tensor per example, stacked: the per-example tensors are garbage once the batch exists.
        static Batch Stacked(IReadOnlyList<DataLoaderTests.Example> list) => new(
            Torch.Stack(list.Select(e => Torch.Tensor(e.Features)).ToArray()),
            Torch.Tensor(list.Select(e => e.Label).ToArray()));
        AssertNoLeak(() =>
        {
            using var loader = DataLoader.Create(dataset, Stacked, new DataLoaderOptions { BatchSize = 6, Workers = 2 });
            Assert.Equal(4, Loaders.Epoch(loader).Count);
        }, "collate with per-example tensors");
    }
}
