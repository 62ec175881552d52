using MLRoadmap.Data;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>Readers leave no native tensor behind: loading, batching and disposing, outside any dispose scope,
/// returns the live-tensor count to where it was, on success and on every error path. The count is process-wide,
/// hence the serial collection.</summary>
[Collection(SerialTests.Name)]
public class ReaderMemoryTests
{
    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    private static void NoLeak(string what, Action action)
    {
        action();  // warm-up: lazy fixtures and caches allocate once
        var before = Baseline();
        action();
        // Counted before any GC: a tensor left to the finalizer safety net is a leak here.
        var after = Torch.LiveTensorCount;
        Assert.True(before == after, $"{what}: live tensors {before} before, {after} after");
    }

    private static void Throws<TException>(Action action) where TException : Exception => Assert.ThrowsAny<TException>(action);

    [Fact]
    public void Readers_free_everything_they_allocate()
    {
        using var dir = new TempDir();
        dir.Write("train-images-idx3-ubyte", IdxTests.IdxFile(0x08, [4, 2, 2], new byte[16]));
        dir.Write("train-labels-idx1-ubyte", IdxTests.IdxFile(0x08, [4], [0, 1, 2, 3]));
        dir.Write("t10k-images-idx3-ubyte", IdxTests.IdxFile(0x08, [4, 2, 2], new byte[16]));
        dir.Write("t10k-labels-idx1-ubyte", IdxTests.IdxFile(0x08, [3], [0, 1, 2]));
        NoLeak("MNIST", () =>
        {
            using var ds = Mnist.Load(dir.Path);
            using var b = ds.GetBatch([3, 1]);
        });
        NoLeak("MNIST count mismatch", () => Throws<InvalidDataException>(() => Mnist.Load(dir.Path, train: false)));

        var cifar = dir.File("cifar/x");
        for (var i = 1; i <= 5; i++) dir.Write($"cifar/data_batch_{i}.bin", new byte[2 * 3073]);
        dir.Write("cifar/test_batch.bin", [.. new byte[3073], 11, .. new byte[3072]]);
        dir.Write("cifar/batches.meta.txt", string.Join("\n", Enumerable.Range(0, 10)));
        var cifarDir = Path.GetDirectoryName(cifar)!;
        NoLeak("CIFAR-10", () =>
        {
            using var ds = Cifar.Load10(cifarDir);
            using var b = ds.GetBatch([9, 0]);
        });
        NoLeak("CIFAR-10 bad label", () => Throws<InvalidDataException>(() => Cifar.Load10(cifarDir, train: false)));

        var csv = dir.Write("t.csv", "a,b,y\n1,2,x\n3,4,z\n5,6,x\n");
        NoLeak("tabular", () =>
        {
            using var ds = TabularDataset.Read(csv, "y");
            using var b = ds.GetBatch([2, 0]);
        });
        NoLeak("time series", () =>
        {
            using var ds = TimeSeriesDataset.ReadCsv(csv, ["a", "b"], window: 2, horizon: 1);
            using var b = ds.GetBatch([0]);
        });

        File.Copy(Path.Combine(Repo.Fixtures, "images", "rgb.png"), dir.File("img/a/1.png"));
        File.Copy(Path.Combine(Repo.Fixtures, "images", "gray.jpg"), dir.File("img/b/2.jpg"));
        var images = Path.Combine(dir.Path, "img");
        NoLeak("ImageFolder", () =>
        {
            var ds = new ImageFolder(images, 8, 8);
            using (var b = ds.GetBatch([1, 0])) Assert.Equal(2, b.Size);
            using (ImageFolder.Collate([ds[0], ds[1]])) { }
            ds[1].Image.Dispose();
        });
        NoLeak("ImageFolder size mismatch", () =>
        {
            var ds = new ImageFolder(images);
            Throws<InvalidDataException>(() => ds.GetBatch([0, 1]));
            Throws<ArgumentException>(() => ImageFolder.Collate([ds[0], ds[1]]));
        });
        var broken = File.ReadAllBytes(Path.Combine(Repo.Fixtures, "images", "rgb.png"))[..700];
        NoLeak("corrupt image", () => Throws<InvalidDataException>(() => MLRoadmap.Imaging.Image.Decode(broken)));
    }
}
