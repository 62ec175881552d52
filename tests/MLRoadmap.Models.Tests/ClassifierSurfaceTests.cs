using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The surface every classifier shares, checked on each registered one: features then head is the forward pass,
/// the metadata names the right modules, a reset head is a freshly initialised nn.Linear, freezing the backbone
/// leaves only the head trainable, and InChannels rebuilds only the first convolution. One model per family: the
/// surface is implemented per class, and ResNet-34, VGG-11 and VGG-16 (± BN) differ from the ones here only in depth
/// (the registry and parity tests run every one). Serial: it seeds the global generator.
/// </summary>
[Collection(SerialTests.Name)]
public class ClassifierSurfaceTests
{
    public static TheoryData<string> Classifiers() => new("resnet18", "resnet50", "vgg11_bn", "mobilenet_v2", "small_cnn");

    [Theory]
    [MemberData(nameof(Classifiers))]
    public void Features_head_metadata_reset_and_freezing(string name)
    {
        var info = ModelRegistry.Info(name);
        using var model = ModelRegistry.CreateClassifier(name);
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn([2, .. RegistryTests.SmallInput(info)]);

        // Forward = ForwardHead(ForwardFeatures(x)), features have NumFeatures channels.
        model.Eval();
        var features = model.ForwardFeatures(x);
        Assert.Equal(4, features.Dim);
        Assert.Equal([2, model.NumFeatures], features.Shape[..2]);
        Compare.Exact(model.ForwardHead(features), model.Forward(x), $"{name}: head(features) vs forward");

        // Metadata: the names are state-dict module paths; the first conv is the first entry.
        Assert.Equal(info.FirstLayer, model.FirstConvName);
        Assert.Equal(info.OutputShape()[0], model.NumClasses);
        Assert.Equal(info.InputShape()[0], model.InChannels);
        List<string> keys;
        using (var state = model.StateDict()) keys = [.. state.Keys];
        Assert.Equal(model.FirstConvName + ".weight", keys[0]);
        Assert.Equal([model.ClassifierName + ".weight", model.ClassifierName + ".bias"], keys.Where(model.IsClassifierKey));

        // ResetClassifier: a new nn.Linear(in, 7), drawn as PyTorch draws it; nothing else changes.
        var inFeatures = model.Classifier.InFeatures;
        using var reference = Seeded(11, () => new Linear(inFeatures, 7));
        Seeded(11, () => { model.ResetClassifier(7); return 0; });
        Assert.Equal(7, model.NumClasses);
        Compare.Exact(model.Classifier.Weight, reference.Weight, $"{name}: reset head weight");
        Compare.Exact(model.Classifier.Bias!, reference.Bias!, $"{name}: reset head bias");
        using (var state = model.StateDict()) Assert.Equal(keys, state.Keys);
        Assert.Equal([2L, 7], model.Forward(x).Shape);

        // FreezeBackbone: gradients reach the head only.
        model.Train();
        model.FreezeBackbone();
        var y = model.Forward(x);
        (y * Torch.RandnLike(y)).Sum().Backward();
        foreach (var (pname, p) in model.NamedParameters())
            Assert.True(model.IsClassifierKey(pname) == p.Grad is not null, $"{name}: {pname} gradient after FreezeBackbone");
        model.FreezeBackbone(false);
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Theory]
    [MemberData(nameof(Classifiers))]
    public void InChannels_rebuilds_only_the_first_convolution(string name)
    {
        var info = ModelRegistry.Info(name);
        using var rgb = ModelRegistry.CreateClassifier(name);
        using var gray = ModelRegistry.CreateClassifier(name, inChannels: 1);
        Assert.Equal(1, gray.InChannels);
        Assert.Equal(1, gray.FirstConv.Weight.Size(1));
        using (var a = rgb.StateDict())
        using (var b = gray.StateDict())
        {
            Assert.Equal(a.Keys, b.Keys);
            foreach (var key in a.Keys.Where(k => k != rgb.FirstConvName + ".weight"))
                Assert.Equal(a[key].Shape, b[key].Shape);
        }
        using var scope = Torch.NewDisposeScope();
        var shape = RegistryTests.SmallInput(info);
        shape[0] = 1;
        gray.Eval();
        Assert.Equal([2L, gray.NumClasses], gray.Forward(Torch.Randn([2, .. shape])).Shape);
        shape[0] = 3;
        var e = Assert.Throws<ArgumentException>(() => gray.Forward(Torch.Randn([2, .. shape])));
        Assert.Contains("(B, 1, H, W)", e.Message, StringComparison.Ordinal);
    }

    private static T Seeded<T>(ulong seed, Func<T> draw)
    {
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(seed);
            return draw();
        }
    }
}
