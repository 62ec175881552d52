using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// Every registered model, generated from the registry: a training-mode forward and backward at a small input gives
/// the shape the registry states, finite values, a gradient for every parameter (so it reaches the first layer), and
/// leaves the live-tensor count where it was once the model is disposed. Serial: the count is process-wide.
/// </summary>
[Collection(SerialTests.Name)]
public class RegistryTests
{
    public static TheoryData<string> Names() => new(ModelRegistry.Names);

    /// <summary>Models that take any size run at 32x32 (VGG's smallest); the others at the size their options give.</summary>
    internal static long[] SmallInput(ModelInfo info)
    {
        var shape = info.InputShape();
        if (info.MinImageSize is { } min && shape.Length == 3) shape[1] = shape[2] = Math.Max(32, min);
        return shape;
    }

    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_backward_reach_the_first_layer_and_free_every_tensor(string name)
    {
        var info = ModelRegistry.Info(name);
        var baseline = Baseline();
        using (var model = ModelRegistry.Create(name))
        {
            model.Train();
            using var scope = Torch.NewDisposeScope();
            var x = info.Kind == ModelKind.LanguageModel
                ? Torch.Randint(0, info.OutputShape()[^1], [2, .. SmallInput(info)])   // token ids below V
                : Torch.Randn([2, .. SmallInput(info)]);
            if (info.Kind == ModelKind.Autoencoder) x = x.Sigmoid();       // pixels in [0, 1]
            var y = model.Forward(x);
            Assert.Equal([2, .. info.OutputShape()], y.Shape);
            Assert.True(y.IsFinite().All().Item<bool>(), $"{name}: non-finite output");

            // A random projection of the output (a plain sum can have no gradient: the sum of batch norm's output does
            // not depend on its input), and for the VAE its loss, which trains the μ and log σ² layers too.
            var loss = info.Kind == ModelKind.Autoencoder
                ? ConvVae.Loss(((ConvVae)model).Reconstruct(x), x)
                : (y * Torch.RandnLike(y)).Sum();
            loss.Backward();
            foreach (var (pname, p) in model.NamedParameters())
            {
                var grad = p.Grad;
                Assert.True(grad is not null, $"{name}: {pname} got no gradient");
                Assert.True(grad.IsFinite().All().Item<bool>(), $"{name}: {pname} has a non-finite gradient");
            }
            var first = model.NamedParameters().First(p => p.Name == info.FirstLayer + ".weight").Parameter;
            Assert.True(first.Grad!.Abs().Sum().Item<double>() > 0, $"{name}: the gradient reaching {info.FirstLayer} is zero");
        }
        Assert.Equal(baseline, Baseline());
    }

    [Fact]
    public void Names_are_unique_and_every_entry_builds_what_it_says()
    {
        Assert.Equal(ModelRegistry.Names.Count, ModelRegistry.Names.Distinct().Count());
        Assert.Equal(ModelRegistry.Names, ModelRegistry.All.Select(i => i.Name));
        foreach (var name in new[] { "resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2", "small_cnn" })
            Assert.Equal(ModelKind.Classifier, ModelRegistry.Info(name).Kind);
        Assert.Equal(ModelKind.Generator, ModelRegistry.Info("dcgan_generator").Kind);
        Assert.Equal(ModelKind.Discriminator, ModelRegistry.Info("dcgan_discriminator").Kind);
        Assert.Equal(ModelKind.Autoencoder, ModelRegistry.Info("conv_vae").Kind);
        Assert.Equal([3L, 224, 224], ModelRegistry.Info("resnet50").InputShape());
        Assert.Equal([1L, 28, 28], ModelRegistry.Info("small_cnn").InputShape());
        Assert.Equal([100L], ModelRegistry.Info("dcgan_generator").InputShape());
        Assert.Equal([3L, 32, 32], ModelRegistry.Info("dcgan_generator").OutputShape(new DcganOptions { InChannels = 3, ImageSize = 32 }));
    }

    [Fact]
    public void Unknown_names_wrong_option_types_and_bad_options_are_refused_by_name()
    {
        var unknown = Assert.Throws<KeyNotFoundException>(() => ModelRegistry.Create("resnet19"));
        Assert.Contains("resnet19", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("resnet18", unknown.Message, StringComparison.Ordinal);   // the known names are listed

        var wrongType = Assert.Throws<ArgumentException>(() => ModelRegistry.Create("vgg11", new ResNetOptions()));
        Assert.Contains("VggOptions", wrongType.Message, StringComparison.Ordinal);

        var notClassifier = Assert.Throws<ArgumentException>(() => ModelRegistry.CreateClassifier("conv_vae"));
        Assert.Contains("autoencoder", notClassifier.Message, StringComparison.Ordinal);

        void Refused(string field, Action create)
        {
            var e = Assert.Throws<ArgumentException>(create);
            Assert.Contains(field, e.Message, StringComparison.Ordinal);
        }
        Refused("NumClasses", () => ModelRegistry.Create("resnet18", new ResNetOptions { NumClasses = 0 }));
        Refused("InChannels", () => ModelRegistry.Create("mobilenet_v2", new MobileNetV2Options { InChannels = 0 }));
        Refused("Dropout", () => ModelRegistry.Create("vgg11", new VggOptions { Dropout = 1.5 }));
        Refused("ImageSize", () => ModelRegistry.Create("dcgan_generator", new DcganOptions { ImageSize = 30 }));
        Refused("ImageSize", () => ModelRegistry.Create("conv_vae", new ConvVaeOptions { ImageSize = 30 }));
        Refused("Widths", () => ModelRegistry.Create("small_cnn", new SmallCnnOptions { Widths = [] }));
    }
}
