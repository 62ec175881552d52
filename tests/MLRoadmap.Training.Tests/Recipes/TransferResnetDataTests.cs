using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Recipes.TransferResnet;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Recipes;

/// <summary>transfer-resnet's data, in process: the demo's class split of Fashion-MNIST and the two image-folder
/// layouts, with data.classes choosing and ordering the classes.</summary>
[Collection(SerialTests.Name)]
public sealed class TransferResnetDataTests : IDisposable
{
    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";
    private readonly string _root = Directory.CreateTempSubdirectory("mlroadmap-transfer-data-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_demo_split_labels_the_other_classes_in_order_and_keeps_its_selection_apart()
    {
        var demo = new DemoData(new DemoSettings { PretrainClasses = "1,3,5,7,9", LabelsPerClass = 20, ValPerClass = 30 });
        Assert.Equal(["Trouser", "Dress", "Sandal", "Sneaker", "Ankle boot"], demo.PretrainClasses);
        Assert.Equal(["T-shirt/top", "Pullover", "Coat", "Shirt", "Bag"], demo.TargetClasses);
        using var full = Mnist.Load(FashionMnist, train: true);
        var fullLabels = full.Tensors[1].ToArray<long>();
        var (train, val) = demo.FineTuning(FashionMnist, 28);
        using (train)
        using (val)
        {
            Assert.Equal(Enumerable.Range(0, 5).SelectMany(c => Enumerable.Repeat((long)c, 20)), train.Tensors[1].ToArray<long>());
            Assert.Equal(150, val.Count);
            // Each selected image is one of its class's training images, and no image is both labelled and validating.
            var trainImages = Rows(train);
            var valImages = Rows(val);
            Assert.Empty(trainImages.Intersect(valImages));
            var shirts = Enumerable.Range(0, fullLabels.Length).Where(i => fullLabels[i] == 6).Select(i => Row(full.Tensors[0], i)).ToHashSet();
            Assert.All(Enumerable.Range(60, 20), i => Assert.Contains(trainImages[i], shirts));   // label 3 is Fashion-MNIST's 6
            // The selection depends on the selection seed only.
            var (again, againVal) = new DemoData(new DemoSettings { PretrainClasses = "9,7,5,3,1", LabelsPerClass = 20, ValPerClass = 30 }).FineTuning(FashionMnist, 28);
            using (again)
            using (againVal) Assert.Equal(trainImages, Rows(again));
        }
        using var pretrain = demo.Pretraining(FashionMnist, 32);
        Assert.Equal([30_000, 1, 32, 32], pretrain.Tensors[0].Shape);
        using var test = demo.Test(FashionMnist, 28);
        Assert.Equal(5000, test.Count);
        Assert.Contains("twice", Assert.Throws<ConfigException>(() => new DemoData(new DemoSettings { PretrainClasses = "0,0,1" })).Message, StringComparison.Ordinal);
        Assert.Contains("two or more", Assert.Throws<ConfigException>(() => new DemoData(new DemoSettings { PretrainClasses = "0,1,2,3,4,5,6,7,8" })).Message, StringComparison.Ordinal);
    }

    // The one batch of a loader: each image's first pixel, the labels, the images' shape.
    private static (long[] Values, long[] Labels, long[] Shape) Read(DataLoader loader)
    {
        foreach (var batch in loader)
        {
            using var scope = Torch.NewDisposeScope();
            return (batch.Input.To(ScalarType.Int64)[TensorIndex.Colon, 0, 0, 0].ToArray<long>(), batch.Target.ToArray<long>(), batch.Input.Shape);
        }
        throw new InvalidOperationException("the loader is empty");
    }

    private static List<string> Rows(TensorDataset data) => [.. Enumerable.Range(0, data.Count).Select(i => Row(data.Tensors[0], i))];

    private static string Row(Tensor images, int i)
    {
        using var scope = Torch.NewDisposeScope();
        return Convert.ToBase64String(images[i].ToBytes());
    }

    [Fact]
    public void A_flat_folder_is_split_by_val_fraction_and_data_classes_picks_and_orders_classes()
    {
        var names = new[] { "ant", "bee", "wasp" };
        using (Torch.NewDisposeScope())
        {
            for (var c = 0; c < names.Length; c++)
            {
                var dir = Directory.CreateDirectory(Path.Combine(_root, names[c])).FullName;
                for (var i = 0; i < 10; i++) Image.WritePng(Path.Combine(dir, $"{i}.png"), Torch.Full([3, 12, 10], 20 * c + i, ScalarType.UInt8));
            }
        }
        var recipe = new TransferResnetRecipe();
        var config = new TransferResnetConfig() with
        {
            Data = new TransferData { Path = _root, ImageSize = 8, Channels = 3, BatchSize = 64, Workers = 0, Classes = "wasp,ant", CropPadding = 0, Flip = false },
            Model = new TransferModelSettings { Weights = TransferResnetRecipe.NoWeights },
        };
        Assert.Equal(["wasp", "ant"], TransferResnetRecipe.Classes(config));
        using var data = recipe.LoadData(config, DataSplits.Fit | DataSplits.Test);
        Assert.Null(data.Test);   // a flat folder has no test split
        var (trainValues, trainLabels, trainShape) = Read(data.Train!);
        var (valValues, valLabels, _) = Read(data.Val!);
        Assert.Equal((16, 4), (trainLabels.Length, valLabels.Length));   // 20 images of the two classes, 0.2 held out
        Assert.Equal([16, 3, 8, 8], trainShape);
        // Every image is one flat colour, 20·c + i, so its folder is known: wasp (folder 2) is label 0, ant label 1.
        var values = trainValues.Concat(valValues).ToArray();
        var labels = trainLabels.Concat(valLabels).ToArray();
        for (var k = 0; k < values.Length; k++) Assert.Equal(values[k] >= 40 ? 0 : 1, labels[k]);
        Assert.Equal(20, values.Distinct().Count());
        var unknown = config with { Data = config.Data with { Classes = "wasp,moth" } };
        Assert.Contains("'moth'", Assert.Throws<InvalidDataException>(() => recipe.LoadData(unknown, DataSplits.Fit)).Message, StringComparison.Ordinal);
    }
}
