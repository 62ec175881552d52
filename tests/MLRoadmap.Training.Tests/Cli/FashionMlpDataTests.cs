using System.Buffers.Binary;
using System.IO.Compression;
using MLRoadmap.Data;
using MLRoadmap.Recipes.FashionMlp;

namespace MLRoadmap.Tests.Cli;

/// <summary>fashion-mlp's data: the train/validation split and the refusal of corrupt IDX files.</summary>
public sealed class FashionMlpDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-fashion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_split_partitions_the_training_file_the_same_way_every_time()
    {
        using var all = FashionMnist.Load("/usr/share/datasets/fashion-mnist", train: true, limit: 1000);
        var (train, val) = RandomSplit.TrainVal(all, 0.1, seed: 0);
        var (train2, val2) = RandomSplit.TrainVal(all, 0.1, seed: 0);
        var (_, otherVal) = RandomSplit.TrainVal(all, 0.1, seed: 1);
        using (train)
        using (val)
        using (train2)
        using (val2)
        using (otherVal)
        {
            Assert.Equal(900, train.Count);
            Assert.Equal(100, val.Count);
            // Every example lands in exactly one split: the rows of the two splits are the rows of the file.
            Assert.Equal(Rows(all).Order(StringComparer.Ordinal), Rows(train).Concat(Rows(val)).Order(StringComparer.Ordinal));
            Assert.Equal(Rows(val), Rows(val2));
            Assert.Equal(Rows(train), Rows(train2));
            Assert.NotEqual(Rows(val), Rows(otherVal));
        }
    }

    // Each example as "label:pixels-in-hex", to compare splits as sets of rows.
    private static List<string> Rows(MLRoadmap.Data.TensorDataset d)
    {
        var pixels = d.Tensors[0].ToArray<byte>();
        var labels = d.Tensors[1].ToArray<long>();
        return [.. Enumerable.Range(0, d.Count).Select(i => $"{labels[i]}:{Convert.ToHexString(pixels, i * 784, 784)}")];
    }

    [Fact]
    public void A_truncated_images_file_is_refused_naming_the_file()
    {
        WriteIdx(FashionMnist.TrainImages, [3, 28, 28], new byte[2 * 784]);   // says 3 images, holds 2
        WriteIdx(FashionMnist.TrainLabels, [3], [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, train: true));
        Assert.StartsWith($"{Path.Combine(_dir, FashionMnist.TrainImages)}: truncated data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_mismatched_counts_and_bad_labels_are_refused()
    {
        var images = Path.Combine(_dir, FashionMnist.TrainImages);
        var labels = Path.Combine(_dir, FashionMnist.TrainLabels);
        WriteIdx(FashionMnist.TrainImages, [2, 28, 28], new byte[2 * 784 * 4], magicType: 0x0D);   // float32 data, not pixels
        WriteIdx(FashionMnist.TrainLabels, [2], [1, 2]);
        Assert.StartsWith($"{images}: expected uint8 images", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, true)).Message,
            StringComparison.Ordinal);

        WriteIdx(FashionMnist.TrainImages, [2, 28, 28], new byte[2 * 784]);
        WriteIdx(FashionMnist.TrainLabels, [3], [1, 2, 3]);
        Assert.Equal($"{images} holds 2 images but {labels} holds 3 labels", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, true)).Message);

        WriteIdx(FashionMnist.TrainLabels, [2], [1, 12]);
        Assert.Equal($"{_dir}: label 12 is not a Fashion-MNIST class (0-9)", Assert.Throws<InvalidDataException>(() => FashionMnist.Load(_dir, true)).Message);

        File.WriteAllBytes(images, [0x1f, 0x8b, 8, 0, 0, 0]);   // a gzip header cut short
        Assert.StartsWith(images, Assert.ThrowsAny<Exception>(() => FashionMnist.Load(_dir, true)).Message, StringComparison.Ordinal);
    }

    private void WriteIdx(string name, int[] dims, byte[] data, byte magicType = 0x08)
    {
        using var file = File.Create(Path.Combine(_dir, name));
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write([0, 0, magicType, (byte)dims.Length]);
        Span<byte> word = stackalloc byte[4];
        foreach (var d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            gz.Write(word);
        }
        gz.Write(data);
    }
}
