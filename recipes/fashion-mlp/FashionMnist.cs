using MLRoadmap.Data;

namespace MLRoadmap.Recipes.FashionMlp;

/// <summary>Fashion-MNIST as Debian's dataset-fashion-mnist installs it: four gzipped IDX files of 28x28 grey
/// images and their labels (60,000 for training, 10,000 for testing).</summary>
public static class FashionMnist
{
    public const int Pixels = 28 * 28;
    public const string TrainImages = "train-images-idx3-ubyte.gz";
    public const string TrainLabels = "train-labels-idx1-ubyte.gz";
    public const string TestImages = "t10k-images-idx3-ubyte.gz";
    public const string TestLabels = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The ten classes, by label.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The first <paramref name="limit"/> images of the training or test file as a dataset of (N, 784)
    /// uint8 pixels and (N) int64 labels.</summary>
    public static TensorDataset Load(string directory, bool train, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Fashion-MNIST directory {directory} does not exist " +
                                                 "(apt-get install dataset-fashion-mnist, or set data.path)");
        using var all = Mnist.Load(directory, train);   // uint8 (N, 1, 28, 28), int64 (N); checks the files agree
        var n = Math.Min(all.Count, limit ?? int.MaxValue);
        using var scope = Torch.NewDisposeScope();
        var images = all.Tensors[0].Narrow(0, 0, n).Reshape(n, Pixels).Contiguous();   // (N, 784)
        var labels = all.Tensors[1].Narrow(0, 0, n).Contiguous();
        using (var max = labels.Max())
            if (n > 0 && max.Item<long>() >= Classes.Count)
                throw new InvalidDataException($"{directory}: label {max.Item<long>()} is not a Fashion-MNIST class (0-9)");
        return new TensorDataset(images, labels);
    }
}
