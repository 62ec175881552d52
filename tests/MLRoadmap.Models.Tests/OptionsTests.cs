using MLRoadmap.Models;
using MLRoadmap.Models.Layers;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>The family options beyond classes and channels do what they say.</summary>
[Collection(SerialTests.Name)]
public class OptionsTests
{
    [Fact]
    public void MobileNetV2_width_multiplier_rounds_channels_as_torchvision()
    {
        using var model = new MobileNetV2(new MobileNetV2Options { WidthMult = 0.5 });
        var expected = ZooFixtures.Meta("mobilenet_v2_width0.5").GetProperty("shapes").EnumerateArray()
            .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList();
        using var state = model.StateDict();
        Assert.Equal(expected.Select(e => e.Item1), state.Keys);
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(state[key].Shape), $"{key}: [{string.Join(", ", state[key].Shape)}]");
    }

    [Fact]
    public void ResNet_small_input_stem_and_width_load_torchvisions_narrow_cifar_style_resnet_and_match_its_logits()
    {
        // tests/fixtures/torchvision/make_small_resnet_fixture.py: torchvision's ResNet/BasicBlock, 3x3 stride-1 conv1,
        // no max pool, planes 8-16-32-64.
        using var fixture = SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "small_resnet.safetensors"));
        using var model = ResNet.ResNet18(new ResNetOptions { SmallInputStem = true, Width = 8, InChannels = 1, NumClasses = 10 });
        var state = fixture.Tensors.Where(kv => kv.Key.StartsWith("state/", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["state/".Length..], kv => kv.Value, StringComparer.Ordinal);
        using (var mine = model.StateDict()) Assert.Equal(state.Keys, mine.Keys);
        model.LoadStateDict(state);                                    // strict: same keys, same shapes
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var x = fixture["input"];                                      // (2, 1, 28, 28)
        Compare.Close(model.ForwardFeatures(x), fixture["features"], 1e-4, 0, "layer4 output, (2, 64, 4, 4)");
        Compare.Close(model.Forward(x), fixture["logits"], 1e-4, 0, "eval logits");
        Assert.Equal(64, model.NumFeatures);
    }

    [Fact]
    public void ResNet_width_must_be_positive()
    {
        var e = Assert.Throws<ArgumentException>(() => ResNet.ResNet18(new ResNetOptions { Width = 0 }));
        Assert.Contains("Width", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResNet_zero_init_residual_zeroes_each_blocks_last_norm()
    {
        using var model = ResNet.ResNet50(new ResNetOptions { ZeroInitResidual = true });
        var blocks = model.Modules().OfType<ResidualBlock>().ToList();
        Assert.Equal(16, blocks.Count);
        foreach (var block in blocks)
        {
            using var scope = Torch.NewDisposeScope();
            Assert.Equal(0, block.LastBn.Weight!.Abs().Sum().Item<float>());
        }
        // Then every block starts as the identity on its shortcut: a stage without downsampling leaves ReLU'd input as is.
        using var s = Torch.NewDisposeScope();
        model.Eval();
        var x = Torch.Rand([1, 256, 4, 4]);
        Compare.Exact(model.Stages[0][1].Forward(x), x, "layer1.1 with its last norm at zero");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void ResNet_width_scales_every_channel_count_and_keeps_torchvisions_keys(string name)
    {
        var options = (ResNetOptions)ModelRegistry.DefaultOptions(name);
        using var full = (ResNet)ModelRegistry.Create(name, options);
        using var narrow = (ResNet)ModelRegistry.Create(name, options with { Width = 16 });
        using var fullState = full.StateDict();
        using var narrowState = narrow.StateDict();
        Assert.Equal(fullState.Keys, narrowState.Keys);
        foreach (var (key, t) in fullState)
        {
            // A quarter of every channel count (the first two dims; kernels keep their size), except what the options
            // fix: conv1's 3 input channels and fc's 1000 outputs.
            var expected = t.Shape.Select((d, i) =>
                i > 1 || key == "conv1.weight" && i == 1 || key.StartsWith("fc.", StringComparison.Ordinal) && i == 0 ? d : d / 4);
            Assert.True(expected.SequenceEqual(narrowState[key].Shape), $"{key}: [{string.Join(", ", narrowState[key].Shape)}]");
        }
        Assert.Equal(full.NumFeatures / 4, narrow.NumFeatures);
        using var scope = Torch.NewDisposeScope();
        Assert.Equal([2, 1000], narrow.Forward(Torch.Rand([2, 3, 32, 32])).Shape);
        Assert.Throws<ArgumentException>(() => new ResNetOptions { Width = 0 }.Validate());
    }

    [Fact]
    public void Vgg_without_torchvisions_init_keeps_pytorchs_layer_defaults()
    {
        using var model = Vgg.Vgg11(new VggOptions { InitWeights = false, NumClasses = 10 });
        using var scope = Torch.NewDisposeScope();
        var head = model.Classifier;
        Assert.True(head.Bias!.Abs().Sum().Item<float>() > 0, "nn.Linear's default bias is uniform, not zero");
        var bound = 1 / Math.Sqrt(head.InFeatures);
        Assert.True(head.Weight.Abs().Max().Item<float>() <= bound);
    }
}
