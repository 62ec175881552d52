namespace MLRoadmap.Data;

/// <summary>
/// MNIST-style directories (MNIST, Fashion-MNIST, KMNIST): <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each raw or with
/// <c>.gz</c>. Debian's <c>dataset-fashion-mnist</c> installs one at /usr/share/datasets/fashion-mnist.
/// </summary>
public static class Mnist
{
    /// <summary>Fashion-MNIST's class names, in label order (from the dataset's documentation).</summary>
    public static IReadOnlyList<string> FashionClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>MNIST's class names: the digits.</summary>
    public static IReadOnlyList<string> DigitClasses { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>The training (60,000 for MNIST) or test (10,000) split: images uint8 (N, 1, H, W) and labels int64
    /// (N). The two files must agree on N.</summary>
    public static TensorDataset Load(string directory, bool train = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"MNIST directory {directory} does not exist");
        var split = train ? "train" : "t10k";
        var imagesPath = Find(directory, $"{split}-images-idx3-ubyte");
        var labelsPath = Find(directory, $"{split}-labels-idx1-ubyte");
        using var scope = Torch.NewDisposeScope();
        var images = Idx.Read(imagesPath);
        var labels = Idx.Read(labelsPath);
        if (images.Dtype != ScalarType.UInt8 || images.Dim != 3)
            throw new InvalidDataException($"{imagesPath}: expected uint8 images (N, H, W), found {images.Dtype} [{string.Join(", ", images.Shape)}]");
        if (labels.Dtype != ScalarType.UInt8 || labels.Dim != 1)
            throw new InvalidDataException($"{labelsPath}: expected uint8 labels (N), found {labels.Dtype} [{string.Join(", ", labels.Shape)}]");
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{imagesPath} holds {images.Shape[0]} images but {labelsPath} holds {labels.Shape[0]} labels");
        var shape = images.Shape;
        return new TensorDataset(images.Reshape(shape[0], 1, shape[1], shape[2]), labels.To(ScalarType.Int64));
    }

    private static string Find(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        var gz = raw + ".gz";
        if (File.Exists(gz)) return gz;
        throw new FileNotFoundException($"neither {raw} nor {gz} exists", raw);
    }
}
