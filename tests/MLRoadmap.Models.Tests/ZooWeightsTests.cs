using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// Loading weights across heads: a strict load into a model with another head size names the mismatched keys;
/// <see cref="ZooWeights.LoadBackbone(ImageClassifier, IReadOnlyDictionary{string, Tensor}, bool)"/> loads
/// torchvision's ResNet-18 into a 10-class (and a grayscale) model, says what it skipped, and refuses a backbone
/// that does not fit, loading nothing.
/// </summary>
[Collection(SerialTests.Name)]
public class ZooWeightsTests
{
    [Fact]
    public void A_strict_load_with_another_head_size_names_the_mismatched_keys()
    {
        using var model = ModelRegistry.CreateClassifier("resnet18", numClasses: 10);
        var e = Assert.Throws<StateDictMismatchException>(() => model.Load(ZooFixtures.Weights("resnet18")));
        Assert.Equal(["fc.weight", "fc.bias"], e.Result.MismatchedKeys.Select(m => m.Key));
        Assert.Equal([10L, 512], e.Result.MismatchedKeys[0].ExpectedShape);
        Assert.Equal([1000L, 512], e.Result.MismatchedKeys[0].ActualShape);
        Assert.Empty(e.Result.MissingKeys);
        Assert.Empty(e.Result.UnexpectedKeys);
        Assert.Contains("size mismatch for fc.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadBackbone_loads_all_but_the_classifier_and_reports_what_it_skipped()
    {
        var path = ZooFixtures.Weights("resnet18");
        using var torchvision = SafeTensors.Load(path);
        using var model = ModelRegistry.CreateClassifier("resnet18", numClasses: 10);
        using var scope = Torch.NewDisposeScope();
        var headBefore = model.Classifier.Weight.Clone();

        var report = ZooWeights.LoadBackbone(model, path);

        Assert.Equal(["fc.weight", "fc.bias"], report.SkippedKeys);
        Assert.Equal(["fc.weight", "fc.bias"], report.HeadKeys);
        Assert.Empty(report.AdaptedKeys);
        Assert.Equal(torchvision.Names.Count() - 2, report.LoadedKeys.Count);
        using (var state = model.StateDict())
            foreach (var key in report.LoadedKeys)
                Assert.True(state[key].Equal(torchvision[key]), $"{key} was not loaded");
        Compare.Exact(model.Classifier.Weight, headBefore, "the new head");

        // The backbone computes what torchvision's full model computes before its head.
        using var full = ModelRegistry.CreateClassifier("resnet18");
        full.Load(path);
        full.Eval();
        model.Eval();
        var x = ZooFixtures.Logits["input"];
        Compare.Exact(model.ForwardFeatures(x), full.ForwardFeatures(x), "features with the loaded backbone");
    }

    [Fact]
    public void LoadBackbone_into_a_grayscale_model_sums_the_first_convolution_over_rgb()
    {
        var path = ZooFixtures.Weights("resnet18");
        using var model = ModelRegistry.CreateClassifier("resnet18", numClasses: 10, inChannels: 1);
        var report = ZooWeights.LoadBackbone(model, path);
        Assert.Equal(["conv1.weight"], report.AdaptedKeys);

        // A gray image through the summed filter = the same gray level in all three channels through the RGB one.
        using var full = ModelRegistry.CreateClassifier("resnet18");
        full.Load(path);
        full.Eval();
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var gray = ZooFixtures.Logits["input"].Narrow(1, 0, 1);          // (2, 1, 64, 64)
        var rgb = gray.Repeat(1, 3, 1, 1);                                // (2, 3, 64, 64)
        Compare.Close(model.ForwardFeatures(gray), full.ForwardFeatures(rgb), 1e-4, 1e-4, "gray features");

        Assert.Throws<StateDictMismatchException>(() => ZooWeights.LoadBackbone(model, path, adaptFirstConv: false));
    }

    [Fact]
    public void LoadBackbone_refuses_a_backbone_that_does_not_fit_and_loads_nothing()
    {
        using var source = ModelRegistry.CreateClassifier("resnet34");
        using var model = ModelRegistry.CreateClassifier("resnet18", numClasses: 10);
        using var state = source.StateDict();
        using var scope = Torch.NewDisposeScope();
        var before = model.FirstConv.Weight.Clone();
        var e = Assert.Throws<StateDictMismatchException>(() => ZooWeights.LoadBackbone(model, state));
        Assert.Contains("layer1.2.conv1.weight", e.Result.UnexpectedKeys);            // ResNet-34 has 3 blocks there
        Assert.Empty(e.Result.MissingKeys);
        Assert.DoesNotContain(e.Result.UnexpectedKeys, k => k.StartsWith("fc.", StringComparison.Ordinal));
        Compare.Exact(model.FirstConv.Weight, before, "conv1 after a refused load");
    }

    [Fact]
    public void AdaptInputChannels_repeats_and_rescales_for_more_channels()
    {
        using var scope = Torch.NewDisposeScope();
        var w = Torch.Randn([4, 3, 2, 2]);
        var five = ZooWeights.AdaptInputChannels(w, 5);
        Assert.Equal([4L, 5, 2, 2], five.Shape);
        int[] source = [0, 1, 2, 0, 1];
        for (var c = 0; c < 5; c++)
            Compare.Close(five.Narrow(1, c, 1), w.Narrow(1, source[c], 1) * (3.0 / 5), 1e-7, 0, $"channel {c}");
        // When C is a multiple of C′, a uniform image gives the same response either way.
        var six = ZooWeights.AdaptInputChannels(w, 6);
        Compare.Close(six.Sum([1, 2, 3]), w.Sum([1, 2, 3]), 1e-5, 1e-5, "response to a uniform image");
    }
}
