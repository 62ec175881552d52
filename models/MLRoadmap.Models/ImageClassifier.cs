using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>
/// The surface every classifier in the zoo shares (timm's): <see cref="ForwardFeatures"/> gives the feature map
/// before the final pooling, <see cref="ForwardHead"/> pools it and applies the classifier, and
/// <see cref="Module{TIn, TOut}.Forward"/> does both. The names in <see cref="ClassifierName"/> and
/// <see cref="FirstConvName"/> are module paths in the state dict (<c>fc</c>, <c>classifier.6</c>,
/// <c>features.0</c>), which is what transfer learning needs: freeze everything but the head, load every weight but
/// the head's (<see cref="ZooWeights.LoadBackbone(ImageClassifier, IReadOnlyDictionary{string, Tensor}, bool)"/>),
/// or put a new head in place (<see cref="ResetClassifier"/>).
/// </summary>
public abstract class ImageClassifier : Module<Tensor, Tensor>
{
    /// <summary>The module path of the final linear layer, e.g. "fc" or "classifier.6".</summary>
    public abstract string ClassifierName { get; }

    /// <summary>The module path of the convolution that reads the image, e.g. "conv1" or "features.0".</summary>
    public abstract string FirstConvName { get; }

    /// <summary>The final linear layer.</summary>
    public Linear Classifier => (Linear)Submodule(ClassifierName);

    /// <summary>The convolution that reads the image.</summary>
    public Conv2d FirstConv => (Conv2d)Submodule(FirstConvName);

    /// <summary>Channels of <see cref="ForwardFeatures"/>' output.</summary>
    public abstract long NumFeatures { get; }

    /// <summary>Outputs of the classifier (its logits per sample).</summary>
    public long NumClasses => Classifier.OutFeatures;

    /// <summary>Channels of the images the model reads.</summary>
    public long InChannels => FirstConv.InChannels;

    /// <summary>(B, C, H, W) images → (B, <see cref="NumFeatures"/>, h, w), the last feature map before pooling.</summary>
    public abstract Tensor ForwardFeatures(Tensor input);

    /// <summary>(B, <see cref="NumFeatures"/>, h, w) features → (B, <see cref="NumClasses"/>) logits: pooling,
    /// flattening and the classifier (with its dropout).</summary>
    public abstract Tensor ForwardHead(Tensor features);

    /// <summary>(B, C, H, W) images → (B, <see cref="NumClasses"/>) logits.</summary>
    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim != 4 || input.Size(1) != InChannels)
            throw new ArgumentException($"{GetType().Name} expects (B, {InChannels}, H, W) images, got " +
                                        $"[{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        var features = ForwardFeatures(input);
        return ForwardHead(features).MoveToOuterScope();
    }

    /// <summary>Replaces the final linear layer with a fresh one of <paramref name="numClasses"/> outputs, initialised
    /// as PyTorch initialises a new <c>nn.Linear</c>, on the old layer's device and dtype. The old layer is disposed
    /// (an optimizer holding its parameters must be rebuilt).</summary>
    public void ResetClassifier(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var old = Classifier;
        var fresh = new Linear(old.InFeatures, numClasses, bias: old.Bias is not null, device: old.Weight.Device,
            dtype: old.Weight.Dtype);
        ReplaceClassifier(fresh);
    }

    /// <summary>Puts <paramref name="head"/> where the classifier is (disposing the old one).</summary>
    private protected abstract void ReplaceClassifier(Linear head);

    /// <summary>The classifier's parameters with their full names (for their own learning rate, say).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> ClassifierParameters() =>
        NamedParameters().Where(p => IsClassifierKey(p.Name));

    /// <summary>Every parameter outside the classifier.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> BackboneParameters() =>
        NamedParameters().Where(p => !IsClassifierKey(p.Name));

    /// <summary>Stops gradients for every parameter outside the classifier (or restarts them with false). Batch norm
    /// still updates its running statistics in training mode; call Eval() on the backbone's modules to keep them.</summary>
    public void FreezeBackbone(bool freeze = true)
    {
        foreach (var (_, p) in BackboneParameters()) p.RequiresGrad = !freeze;
    }

    /// <summary>True for a state-dict key that belongs to the classifier ("fc.weight", "classifier.6.bias").</summary>
    public bool IsClassifierKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(ClassifierName + ".", StringComparison.Ordinal);
    }

    /// <summary>The descendant module at a dotted path ("layer1.0.conv1").</summary>
    public Module Submodule(string path)
    {
        foreach (var (name, module) in NamedModules())
            if (name == path) return module;
        throw new KeyNotFoundException($"{GetType().Name} has no submodule '{path}'");
    }
}
