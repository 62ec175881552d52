using MLRoadmap.NN;
using MLRoadmap.Serialization;

namespace MLRoadmap.Models;

/// <summary>What <see cref="ZooWeights.LoadBackbone(ImageClassifier, IReadOnlyDictionary{string, Tensor}, bool)"/>
/// did.</summary>
/// <param name="LoadedKeys">Entries copied into the model.</param>
/// <param name="SkippedKeys">The state's classifier entries, not loaded (e.g. <c>fc.weight</c> for 1000 classes).</param>
/// <param name="HeadKeys">The model's classifier entries, left as they were.</param>
/// <param name="AdaptedKeys">Entries converted before loading: the first convolution's weight, summed or repeated
/// over input channels when the model reads a different number of channels than the weights were trained on.</param>
public sealed record BackboneLoadReport(
    IReadOnlyList<string> LoadedKeys,
    IReadOnlyList<string> SkippedKeys,
    IReadOnlyList<string> HeadKeys,
    IReadOnlyList<string> AdaptedKeys)
{
    public override string ToString() =>
        $"loaded {LoadedKeys.Count} entries; skipped the state's classifier ({string.Join(", ", SkippedKeys)}); " +
        $"kept the model's ({string.Join(", ", HeadKeys)})" +
        (AdaptedKeys.Count > 0 ? $"; adapted {string.Join(", ", AdaptedKeys)} to the model's input channels" : "");
}

/// <summary>
/// Loading pretrained weights into zoo models. A plain <see cref="Module.LoadStateDict"/> (strict) loads a checkpoint
/// of the same architecture and head; when the head differs it throws a <see cref="StateDictMismatchException"/>
/// naming the mismatched keys. For transfer learning, <see cref="LoadBackbone(ImageClassifier, IReadOnlyDictionary{string, Tensor}, bool)"/>
/// loads everything but the classifier.
/// </summary>
public static class ZooWeights
{
    /// <summary>Loads every entry of <paramref name="state"/> except the classifier's into <paramref name="model"/>,
    /// whose own classifier keeps its weights (a fresh head, after <see cref="ImageClassifier.ResetClassifier"/>).
    /// Everything outside the classifier must match: a missing, unexpected or wrong-shaped key throws
    /// <see cref="StateDictMismatchException"/> naming all of them, and nothing is loaded.</summary>
    /// <param name="model">The model to load into.</param>
    /// <param name="state">Name → tensor, e.g. a loaded torchvision checkpoint.</param>
    /// <param name="adaptFirstConv">When the model reads C channels and the weights' first convolution reads C′ ≠ C:
    /// for C = 1 its weight is summed over the input channels (a gray image then gives the response the RGB image
    /// with that gray level in every channel gave); otherwise the channels are repeated cyclically up to C and scaled
    /// by C′/C, which keeps the response to a uniform image when C is a multiple of C′ (and roughly otherwise).
    /// false: such a weight is a shape mismatch.</param>
    public static BackboneLoadReport LoadBackbone(ImageClassifier model, IReadOnlyDictionary<string, Tensor> state,
        bool adaptFirstConv = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        using var scope = Torch.NewDisposeScope();
        var backbone = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var (key, value) in state)
        {
            if (model.IsClassifierKey(key)) skipped.Add(key);
            else backbone[key] = value;
        }

        var adapted = new List<string>();
        var firstKey = model.FirstConvName + ".weight";
        if (adaptFirstConv && backbone.TryGetValue(firstKey, out var first) && first.Dim == 4 && first.Size(1) != model.InChannels)
        {
            backbone[firstKey] = AdaptInputChannels(first, model.InChannels);
            adapted.Add(firstKey);
        }

        List<string> heads = [], missing = [], mismatchedNames = [];
        var mismatched = new List<ShapeMismatch>();
        using (var current = model.StateDict())
        {
            foreach (var (key, target) in current)
            {
                if (model.IsClassifierKey(key)) heads.Add(key);
                else if (!backbone.TryGetValue(key, out var value)) missing.Add(key);
                else if (!value.Shape.AsSpan().SequenceEqual(target.Shape)) mismatched.Add(new ShapeMismatch(key, target.Shape, value.Shape));
            }
            var unexpected = backbone.Keys.Where(k => !current.ContainsKey(k)).ToList();
            var result = new LoadStateDictResult(missing, unexpected, mismatched);
            if (!result.IsExactMatch) throw new StateDictMismatchException(result, model.GetType().Name);
        }
        model.LoadStateDict(backbone, strict: false);
        return new BackboneLoadReport([.. backbone.Keys], skipped, heads, adapted);
    }

    /// <summary>The same, from a .safetensors file.</summary>
    public static BackboneLoadReport LoadBackbone(ImageClassifier model, string path, bool adaptFirstConv = true)
    {
        using var contents = SafeTensors.Load(path);
        var state = contents.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return LoadBackbone(model, state, adaptFirstConv);
    }

    /// <summary>A convolution weight (O, C′, kh, kw) made to read <paramref name="channels"/> channels, as
    /// <see cref="LoadBackbone(ImageClassifier, IReadOnlyDictionary{string, Tensor}, bool)"/> describes.</summary>
    public static Tensor AdaptInputChannels(Tensor weight, long channels)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (weight.Dim != 4) throw new ArgumentException($"expected a (O, C, kh, kw) weight, got [{string.Join(", ", weight.Shape)}]", nameof(weight));
        var have = weight.Size(1);
        using var scope = Torch.NewDisposeScope();
        if (channels == 1) return weight.Sum(1, keepDim: true).MoveToOuterScope();                  // (O, 1, kh, kw)
        var copies = (channels + have - 1) / have;
        var repeated = weight.Repeat(1, copies, 1, 1).Narrow(1, 0, channels);                       // (O, C, kh, kw)
        return (repeated * ((double)have / channels)).MoveToOuterScope();
    }
}
