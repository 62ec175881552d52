using MLRoadmap.Data;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>The image classification sets this recipe reads, by the files in <c>data.path</c>: an MNIST-style folder
/// of IDX files (Fashion-MNIST, MNIST) or a CIFAR-10 binary folder.</summary>
public static class ImageSets
{
    /// <summary>The Fashion-MNIST classes, by label.</summary>
    public static IReadOnlyList<string> FashionClasses => Mnist.FashionClasses;

    /// <summary>What a folder holds: "idx" (train-images-idx3-ubyte[.gz] ...) or "cifar10" (data_batch_1.bin ...).</summary>
    public static string Detect(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"data directory {directory} does not exist (apt-get install dataset-fashion-mnist, or set data.path)");
        if (File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(directory, "train-images-idx3-ubyte")))
            return "idx";
        if (File.Exists(Path.Combine(directory, "data_batch_1.bin"))) return "cifar10";
        throw new InvalidDataException($"{directory} holds neither MNIST-style IDX files (train-images-idx3-ubyte[.gz], ...) " +
                                       "nor CIFAR-10 binary files (data_batch_1.bin ... test_batch.bin)");
    }

    /// <summary>Images uint8 (N, C, H, W) and labels int64 (N), with the class names; the first <paramref name="limit"/>
    /// examples when given.</summary>
    public static LabeledDataset Load(string directory, string format, bool train, int? limit)
    {
        format = format == "auto" ? Detect(directory) : format;
        LabeledDataset all = format switch
        {
            "idx" => new LabeledDataset(Mnist.Load(directory, train), IsFashion(directory) ? Mnist.FashionClasses : Mnist.DigitClasses),
            "cifar10" => Cifar.Load10(directory, train),
            _ => throw new ArgumentException($"data.format '{format}' is not one of auto, idx, cifar10"),
        };
        if (limit is not { } n || n >= all.Count) return all;
        using (all)
        {
            using var scope = Torch.NewDisposeScope();
            var kept = all.Data.Tensors.Select(t => t.Narrow(0, 0, n).Contiguous()).ToArray();
            return new LabeledDataset(new TensorDataset(kept), all.ClassNames);
        }
    }

    /// <summary>"fashion", "mnist" or "cifar10": which set <paramref name="directory"/> holds.</summary>
    public static string Kind(string directory, string format)
    {
        format = format == "auto" ? Detect(directory) : format;
        return format == "cifar10" ? "cifar10" : IsFashion(directory) ? "fashion" : "mnist";
    }

    // MNIST and Fashion-MNIST share a format; the folder's own name (Debian's fashion-mnist, the usual download's
    // FashionMNIST) says which it is. Only the last component counts: /tmp/fashion-work/mnist holds digits.
    private static bool IsFashion(string directory) =>
        Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))).Contains("fashion", StringComparison.OrdinalIgnoreCase);
}
