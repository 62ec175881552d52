using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

// Loss modules: Functional's losses with their options fixed at construction, as torch.nn's *Loss classes.
// Forward(input, target). Class weights are registered as buffers named "weight" / "pos_weight", as in PyTorch,
// so they move with To() and appear in the state dict.

/// <summary>Base of the losses: holds the reduction.</summary>
public abstract class Loss(Reduction reduction) : Module<Tensor, Tensor, Tensor>
{
    public Reduction Reduction { get; } = reduction;

    /// <summary>A copy owned by the module (the caller keeps its own tensor).</summary>
    private protected Tensor? Own(string name, Tensor? t)
    {
        if (t is null) return RegisterBuffer(name, null);
        using var detached = t.Detach().DetachFromDisposeScope();
        return RegisterBuffer(name, detached.Clone());
    }

    protected override string ExtraRepr() => Reduction == Reduction.Mean ? "" : $"reduction={Reduction.ToString().ToLowerInvariant()}";
}

/// <summary>Cross-entropy on logits (log-softmax + NLL): input (N, C) or (N, C, d…), target class indices or
/// class probabilities. See <see cref="Functional.CrossEntropy"/>.</summary>
public sealed class CrossEntropyLoss : Loss
{
    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean,
        double labelSmoothing = 0.0) : base(reduction)
    {
        if (labelSmoothing is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label_smoothing must be between 0.0 and 1.0");
        Own("weight", weight);
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    public Tensor? Weight => GetBuffer("weight");
    public long IgnoreIndex { get; }
    public double LabelSmoothing { get; }

    public override Tensor Forward(Tensor input, Tensor target) =>
        F.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}

/// <summary>Negative log-likelihood on log-probabilities (pair with LogSoftmax).</summary>
public sealed class NLLLoss : Loss
{
    public NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        Own("weight", weight);
        IgnoreIndex = ignoreIndex;
    }

    public Tensor? Weight => GetBuffer("weight");
    public long IgnoreIndex { get; }

    public override Tensor Forward(Tensor input, Tensor target) => F.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}

/// <summary>Mean squared error.</summary>
public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error.</summary>
public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    public override Tensor Forward(Tensor input, Tensor target) => F.L1Loss(input, target, Reduction);
}

/// <summary>Quadratic below beta, linear above: robust to outliers (Fast R-CNN's box loss).</summary>
public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    public double Beta { get; } = beta >= 0 ? beta : throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be non-negative");
    public override Tensor Forward(Tensor input, Tensor target) => F.SmoothL1Loss(input, target, Reduction, Beta);
}

/// <summary>Quadratic below delta, linear (slope delta) above.</summary>
public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    public double Delta { get; } = delta > 0 ? delta : throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive");
    public override Tensor Forward(Tensor input, Tensor target) => F.HuberLoss(input, target, Reduction, Delta);
}

/// <summary>Binary cross-entropy on probabilities (after a sigmoid). Prefer <see cref="BCEWithLogitsLoss"/>.</summary>
public sealed class BCELoss : Loss
{
    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction) => Own("weight", weight);

    public Tensor? Weight => GetBuffer("weight");

    public override Tensor Forward(Tensor input, Tensor target) => F.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>Sigmoid + binary cross-entropy in one numerically stable op. posWeight (per class) weighs positives.</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        Own("weight", weight);
        Own("pos_weight", posWeight);
    }

    public Tensor? Weight => GetBuffer("weight");
    public Tensor? PosWeight => GetBuffer("pos_weight");

    public override Tensor Forward(Tensor input, Tensor target) =>
        F.BinaryCrossEntropyWithLogits(input, target, Weight, Reduction, PosWeight);
}

/// <summary>Kullback–Leibler divergence of target from input (input log-probabilities). Use Reduction.BatchMean for
/// the true KL; Mean (the default, as in PyTorch) also divides by the number of classes.</summary>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    public bool LogTarget { get; } = logTarget;
    public override Tensor Forward(Tensor input, Tensor target) => F.KlDiv(input, target, Reduction, LogTarget);
}
