namespace MLRoadmap.Data;

/// <summary>
/// The binary versions of CIFAR-10 and CIFAR-100 (the <c>cifar-10-batches-bin</c> and <c>cifar-100-binary</c>
/// folders of the official archives). A record is the label byte(s) and 3072 pixel bytes: 1024 red, 1024 green,
/// 1024 blue, each 32 rows of 32, which is already (3, 32, 32). Images come back uint8 (N, 3, 32, 32), labels int64.
/// </summary>
public static class Cifar
{
    private const int Pixels = 3 * 32 * 32;

    /// <summary>CIFAR-10: <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> (train, 50,000) or <c>test_batch.bin</c>
    /// (10,000), class names from <c>batches.meta.txt</c>.</summary>
    public static LabeledDataset Load10(string directory, bool train = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var files = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : ["test_batch.bin"];
        var names = ReadNames(directory, "batches.meta.txt", 10);
        return Load(directory, files, labelBytes: 1, labelIndex: 0, classes: names, "CIFAR-10");
    }

    /// <summary>CIFAR-100: <c>train.bin</c> (50,000) or <c>test.bin</c> (10,000). Records hold the coarse (20
    /// superclasses) then the fine (100 classes) label; <paramref name="fineLabels"/> picks which, with its names
    /// from <c>fine_label_names.txt</c> or <c>coarse_label_names.txt</c>.</summary>
    public static LabeledDataset Load100(string directory, bool train = true, bool fineLabels = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var names = fineLabels ? ReadNames(directory, "fine_label_names.txt", 100) : ReadNames(directory, "coarse_label_names.txt", 20);
        return Load(directory, [train ? "train.bin" : "test.bin"], labelBytes: 2, labelIndex: fineLabels ? 1 : 0, classes: names,
            fineLabels ? "CIFAR-100 (fine labels)" : "CIFAR-100 (coarse labels)");
    }

    private static LabeledDataset Load(string directory, string[] files, int labelBytes, int labelIndex,
        List<string> classes, string what)
    {
        var record = labelBytes + Pixels;
        using var scope = Torch.NewDisposeScope();
        var images = new Tensor[files.Length];
        var labels = new Tensor[files.Length];
        for (var f = 0; f < files.Length; f++)
        {
            var path = Path.Combine(directory, files[f]);
            if (!File.Exists(path)) throw new FileNotFoundException($"{what} file {path} does not exist", path);
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0) throw new InvalidDataException($"{path}: the file is empty");
            if (bytes.Length % record != 0)
            {
                var whole = bytes.Length / record;
                throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of {record}-byte records: " +
                    $"record {whole} (from byte {(long)whole * record}) is cut off after {bytes.Length % record} bytes");
            }
            var n = bytes.Length / record;
            var rows = Torch.FromBytes(bytes, [n, record], ScalarType.UInt8);           // (N, labels + 3072)
            labels[f] = rows.Select(1, labelIndex).To(ScalarType.Int64);              // (N)
            images[f] = rows.Narrow(1, labelBytes, Pixels).Reshape(n, 3, 32, 32);     // copies the strided pixels
            CheckLabels(labels[f], classes.Count, path, record, labelIndex, what);
        }
        var x = files.Length == 1 ? images[0] : Torch.Cat(images);
        var y = files.Length == 1 ? labels[0] : Torch.Cat(labels);
        return new LabeledDataset(new TensorDataset(x, y), classes);
    }

    private static void CheckLabels(Tensor labels, int classes, string path, int record, int labelIndex, string what)
    {
        using var scope = Torch.NewDisposeScope();
        var bad = labels.Ge(classes);
        if (!bad.Any().Item<bool>()) return;
        var i = bad.To(ScalarType.UInt8).Argmax().Item<long>();
        throw new InvalidDataException($"{path}: record {i} (label byte at {i * record + labelIndex}) has label " +
            $"{labels.Select(0, i).Item<long>()}, but {what} has {classes} classes");
    }

    private static List<string> ReadNames(string directory, string file, int expected)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path)) throw new FileNotFoundException($"the class-name file {path} does not exist", path);
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count != expected)
            throw new InvalidDataException($"{path}: {names.Count} class names, expected {expected}");
        return names;
    }
}
