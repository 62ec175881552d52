using System.Globalization;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// The demo's Fashion-MNIST splits, by class: the backbone is pretrained on every training image of
/// <see cref="DemoSettings.PretrainClasses"/> (by default 0-4: T-shirt/top, trouser, pullover, dress, coat; 30,000
/// images) and fine-tuned on the other classes (by default 5-9: sandal, shirt, sneaker, bag, ankle boot), relabelled
/// 0, 1, ... in label order: <see cref="DemoSettings.LabelsPerClass"/> training images per class to train on and the
/// next <see cref="DemoSettings.ValPerClass"/> to validate on, drawn by <see cref="DemoSettings.SelectionSeed"/> alone,
/// and the test file's images of those classes to test on. Images uint8 (N, 1, S, S), resized to data.image_size
/// when it is not 28.
/// </summary>
public sealed class DemoData
{
    private readonly long[] _pretrainLabel;   // Fashion-MNIST label → pretraining label, -1 for a target class
    private readonly long[] _targetLabel;     // Fashion-MNIST label → fine-tuning label, -1 for a pretraining class

    /// <summary>The split <paramref name="demo"/> asks for.</summary>
    public DemoData(DemoSettings demo)
    {
        ArgumentNullException.ThrowIfNull(demo);
        Demo = demo;
        var pretrain = demo.PretrainClasses.Split(',').Select(v => int.Parse(v.Trim(), CultureInfo.InvariantCulture)).ToList();
        if (pretrain.Distinct().Count() != pretrain.Count)
            throw new ConfigException($"demo.pretrain_classes={demo.PretrainClasses} names a class twice");
        var all = Enumerable.Range(0, Mnist.FashionClasses.Count).ToList();
        var target = all.Except(pretrain).ToList();
        if (pretrain.Count < 2 || target.Count < 2)
            throw new ConfigException($"demo.pretrain_classes={demo.PretrainClasses} leaves {pretrain.Count} class(es) to pretrain on and " +
                                      $"{target.Count} to fine-tune on; each side needs two or more");
        pretrain.Sort();
        _pretrainLabel = all.Select(c => (long)pretrain.IndexOf(c)).ToArray();
        _targetLabel = all.Select(c => (long)target.IndexOf(c)).ToArray();
        PretrainClasses = [.. pretrain.Select(c => Mnist.FashionClasses[c])];
        TargetClasses = [.. target.Select(c => Mnist.FashionClasses[c])];
    }

    public DemoSettings Demo { get; }

    /// <summary>The pretraining classes' names, by pretraining label.</summary>
    public IReadOnlyList<string> PretrainClasses { get; }

    /// <summary>The fine-tuning classes' names, by label.</summary>
    public IReadOnlyList<string> TargetClasses { get; }

    /// <summary>Whether <paramref name="directory"/> holds MNIST-style IDX files (the demo) rather than an image folder.</summary>
    public static bool IsIdxFolder(string directory) =>
        File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(directory, "train-images-idx3-ubyte"));

    /// <summary>Every training (or test) image of the pretraining classes.</summary>
    public TensorDataset Pretraining(string directory, int imageSize, bool train = true)
    {
        using var all = Mnist.Load(directory, train);
        var labels = all.Tensors[1].ToArray<long>();
        return Take(all, [.. Enumerable.Range(0, labels.Length).Where(i => _pretrainLabel[labels[i]] >= 0)], _pretrainLabel, imageSize);
    }

    /// <summary>(train, val): the labelled images of the fine-tuning classes and the held-out ones.</summary>
    public (TensorDataset Train, TensorDataset Val) FineTuning(string directory, int imageSize)
    {
        using var all = Mnist.Load(directory, train: true);
        var labels = all.Tensors[1].ToArray<long>();
        var train = new List<int>();
        var val = new List<int>();
        for (var c = 0; c < _targetLabel.Length; c++)
        {
            if (_targetLabel[c] < 0) continue;
            var ofClass = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).ToArray();
            if (ofClass.Length < Demo.LabelsPerClass + Demo.ValPerClass)
                throw new InvalidDataException($"{directory}: class {c} has {ofClass.Length} training images, fewer than " +
                                               $"demo.labels_per_class + demo.val_per_class = {Demo.LabelsPerClass + Demo.ValPerClass}");
            // Its own stream per class, so one class's selection does not depend on the others.
            new DataRandom(Demo.SelectionSeed, c, 0).Shuffle(ofClass);
            train.AddRange(ofClass.Take(Demo.LabelsPerClass));
            val.AddRange(ofClass.Skip(Demo.LabelsPerClass).Take(Demo.ValPerClass));
        }
        var trainSet = Take(all, [.. train], _targetLabel, imageSize);
        try
        {
            return (trainSet, Take(all, [.. val], _targetLabel, imageSize));
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }

    /// <summary>The test file's images of the fine-tuning classes.</summary>
    public TensorDataset Test(string directory, int imageSize)
    {
        using var all = Mnist.Load(directory, train: false);
        var labels = all.Tensors[1].ToArray<long>();
        return Take(all, [.. Enumerable.Range(0, labels.Length).Where(i => _targetLabel[labels[i]] >= 0)], _targetLabel, imageSize);
    }

    private static TensorDataset Take(TensorDataset all, int[] rows, long[] relabel, int imageSize)
    {
        using var scope = Torch.NewDisposeScope();
        var index = Torch.Tensor(rows.Select(i => (long)i).ToArray());
        var images = all.Tensors[0].IndexSelect(0, index);                                 // (N, 1, 28, 28) uint8
        if (images.Shape[2] != imageSize || images.Shape[3] != imageSize) images = Image.Resize(images, imageSize, imageSize);
        var labels = Torch.Tensor(relabel).IndexSelect(0, all.Tensors[1].IndexSelect(0, index));   // (N) int64
        return new TensorDataset(images.Contiguous(), labels.Contiguous());
    }
}
