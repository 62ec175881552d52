using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>CIFAR-10 and CIFAR-100 binary files written in the real record layout: pixels land in (3, 32, 32),
/// labels and class names line up, and broken files name the file and record.</summary>
public class CifarTests
{
    private const int Pixels = 3072;

    /// <summary>Records whose pixel bytes are a function of (record, byte), so any misplacement shows.</summary>
    private static byte[] Records(int count, Func<int, byte[]> labels, int seed)
    {
        var labelBytes = labels(0).Length;
        var record = labelBytes + Pixels;
        var bytes = new byte[count * record];
        for (var r = 0; r < count; r++)
        {
            labels(r).CopyTo(bytes, r * record);
            for (var p = 0; p < Pixels; p++) bytes[r * record + labelBytes + p] = (byte)((p * 7 + r * 31 + seed) % 251);
        }
        return bytes;
    }

    private static void ExpectPixels(Tensor images, int image, int record, int seed)
    {
        var expected = Enumerable.Range(0, Pixels).Select(p => (byte)((p * 7 + record * 31 + seed) % 251)).ToArray();
        Assert.Equal(expected, images.Select(0, image).ToArray<byte>());
    }

    private static readonly string[] Cifar10Names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private static void WriteCifar10(TempDir dir, int perBatch)
    {
        for (var b = 1; b <= 5; b++)
            dir.Write($"data_batch_{b}.bin", Records(perBatch, r => [(byte)((r + b) % 10)], seed: b));
        dir.Write("test_batch.bin", Records(4, r => [(byte)(9 - r)], seed: 0));
        dir.Write("batches.meta.txt", string.Join("\n", Cifar10Names) + "\n\n");
    }

    [Fact]
    public void Cifar10_train_concatenates_the_five_batches_in_order()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, perBatch: 3);
        using var ds = Cifar.Load10(dir.Path);
        Assert.Equal(15, ds.Count);
        Assert.Equal(Cifar10Names, ds.ClassNames);
        var (images, labels) = (ds.Data.Tensors[0], ds.Data.Tensors[1]);
        Assert.Equal(new long[] { 15, 3, 32, 32 }, images.Shape);
        Assert.Equal(ScalarType.UInt8, images.Dtype);
        Assert.Equal(ScalarType.Int64, labels.Dtype);
        var expectedLabels = Enumerable.Range(1, 5).SelectMany(b => Enumerable.Range(0, 3).Select(r => (long)((r + b) % 10)));
        Assert.Equal(expectedLabels, labels.ToArray<long>());
        ExpectPixels(images, image: 0, record: 0, seed: 1);
        ExpectPixels(images, image: 7, record: 1, seed: 3);
        ExpectPixels(images, image: 14, record: 2, seed: 5);
        using var batch = ds.GetBatch([14, 0]);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, batch.Input.Shape);
        Assert.Equal(new long[] { (2 + 5) % 10, 1 }, batch.Target.ToArray<long>());
    }

    [Fact]
    public void Cifar10_test_split_and_channel_planes()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, perBatch: 1);
        using var ds = Cifar.Load10(dir.Path, train: false);
        Assert.Equal(new long[] { 9, 8, 7, 6 }, ds.Data.Tensors[1].ToArray<long>());
        // The record stores red, green, blue planes of 32 rows of 32: pixel (c, y, x) is byte c·1024 + y·32 + x.
        using var scope = Torch.NewDisposeScope();
        var image = ds.Data.Tensors[0].Select(0, 2);
        Assert.Equal(((2 * 1024 + 5 * 32 + 17) * 7 + 2 * 31) % 251, image[2, 5, 17].To(ScalarType.Int64).Item<long>());
    }

    [Fact]
    public void Cifar100_takes_fine_labels_by_default_and_coarse_on_request()
    {
        using var dir = new TempDir();
        dir.Write("train.bin", Records(5, r => [(byte)(r % 20), (byte)(99 - r)], seed: 4));
        dir.Write("fine_label_names.txt", string.Join("\n", Enumerable.Range(0, 100).Select(i => $"fine{i}")));
        dir.Write("coarse_label_names.txt", string.Join("\r\n", Enumerable.Range(0, 20).Select(i => $"coarse{i}")) + "\r\n");
        using var fine = Cifar.Load100(dir.Path);
        Assert.Equal(new long[] { 99, 98, 97, 96, 95 }, fine.Data.Tensors[1].ToArray<long>());
        Assert.Equal("fine97", fine.ClassNames[97]);
        ExpectPixels(fine.Data.Tensors[0], image: 3, record: 3, seed: 4);
        using var coarse = Cifar.Load100(dir.Path, fineLabels: false);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, coarse.Data.Tensors[1].ToArray<long>());
        Assert.Equal(20, coarse.ClassNames.Count);
        Assert.Equal("coarse19", coarse.ClassNames[19]);
    }

    [Fact]
    public void A_file_that_is_not_whole_records_names_the_cut_record()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, perBatch: 3);
        var bytes = File.ReadAllBytes(Path.Combine(dir.Path, "data_batch_4.bin"));
        var path = dir.Write("data_batch_4.bin", bytes[..(2 * 3073 + 100)]);
        var e = Assert.Throws<InvalidDataException>(() => Cifar.Load10(dir.Path));
        Assert.Equal($"{path}: 6246 bytes is not a whole number of 3073-byte records: record 2 (from byte 6146) is cut off after 100 bytes", e.Message);
    }

    [Fact]
    public void A_label_outside_the_classes_names_the_record()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, perBatch: 3);
        var path = dir.Write("test_batch.bin", Records(4, r => [(byte)(r == 2 ? 10 : 1)], seed: 0));
        var e = Assert.Throws<InvalidDataException>(() => Cifar.Load10(dir.Path, train: false));
        Assert.Equal($"{path}: record 2 (label byte at 6146) has label 10, but CIFAR-10 has 10 classes", e.Message);

        dir.Write("test.bin", Records(3, r => [(byte)25, (byte)1], seed: 0));
        dir.Write("coarse_label_names.txt", string.Join("\n", Enumerable.Range(0, 20)));
        Assert.Contains("record 0 (label byte at 0) has label 25, but CIFAR-100 (coarse labels) has 20 classes",
            Assert.Throws<InvalidDataException>(() => Cifar.Load100(dir.Path, train: false, fineLabels: false)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_empty_files_and_wrong_name_counts_are_named()
    {
        using var dir = new TempDir();
        WriteCifar10(dir, perBatch: 1);
        var meta = dir.Write("batches.meta.txt", "a\nb\n");
        Assert.Equal($"{meta}: 2 class names, expected 10", Assert.Throws<InvalidDataException>(() => Cifar.Load10(dir.Path)).Message);
        File.Delete(meta);
        Assert.Contains("batches.meta.txt does not exist", Assert.Throws<FileNotFoundException>(() => Cifar.Load10(dir.Path)).Message, StringComparison.Ordinal);
        WriteCifar10(dir, perBatch: 1);
        File.Delete(Path.Combine(dir.Path, "data_batch_3.bin"));
        Assert.Contains("data_batch_3.bin does not exist", Assert.Throws<FileNotFoundException>(() => Cifar.Load10(dir.Path)).Message, StringComparison.Ordinal);
        var empty = dir.Write("data_batch_3.bin", []);
        Assert.Equal($"{empty}: the file is empty", Assert.Throws<InvalidDataException>(() => Cifar.Load10(dir.Path)).Message);
    }
}
