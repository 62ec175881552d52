using MLRoadmap.Interop;

namespace MLRoadmap.NN;

// Losses. Native side: src/Native/nn_loss.cpp. Each returns a 0-dim tensor, or the per-element losses with
// Reduction.None.
public static partial class Functional
{
    private static int ReductionCode(Reduction reduction, bool batchMeanAllowed = false)
    {
        if (reduction == Reduction.BatchMean && !batchMeanAllowed)
            throw new ArgumentException("Reduction.BatchMean is only for KL divergence", nameof(reduction));
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction");
        return (int)reduction;
    }

    /// <summary>
    /// Cross-entropy between logits and targets: log-softmax over dim 1 (the class dim) then negative log-likelihood.
    /// input (N, C), (N, C, d1, …) or (C); target class indices (N), (N, d1, …), or class probabilities shaped like
    /// input. weight rescales each class. Targets equal to ignoreIndex add nothing and leave the mean's denominator.
    /// labelSmoothing ε mixes the one-hot target with the uniform distribution: (1 − ε)·onehot + ε / C.
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Native.Check(Native.mlr_nn_loss_cross_entropy(input.Handle, target.Handle, Raw(weight), ReductionCode(reduction),
            ignoreIndex, labelSmoothing, out var r));
        GC.KeepAlive(weight);
        return Take(r);
    }

    /// <summary>Negative log-likelihood: −input[n, target[n]] (times the class weight). input holds
    /// log-probabilities (N, C) or (N, C, d1, …); target class indices (N) or (N, d1, …).</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Native.Check(Native.mlr_nn_loss_nll(input.Handle, target.Handle, Raw(weight), ReductionCode(reduction),
            ignoreIndex, out var r));
        GC.KeepAlive(weight);
        return Take(r);
    }

    private static Tensor Elementwise(int kind, Tensor input, Tensor target, Reduction reduction, double param,
        bool batchMeanAllowed = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Native.Check(Native.mlr_nn_loss_elementwise(kind, input.Handle, target.Handle,
            ReductionCode(reduction, batchMeanAllowed), param, out var r));
        return Take(r);
    }

    /// <summary>(input − target)², broadcasting the two as PyTorch does.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Elementwise(0, input, target, reduction, 0);

    /// <summary>|input − target|.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Elementwise(1, input, target, reduction, 0);

    /// <summary>0.5·d²/beta where |d| &lt; beta, else |d| − 0.5·beta (d = input − target). beta = 0 is L1.</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0) =>
        Elementwise(2, input, target, reduction, beta);

    /// <summary>0.5·d² where |d| &lt; delta, else delta·(|d| − 0.5·delta): SmoothL1 scaled by delta.</summary>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0) =>
        Elementwise(3, input, target, reduction, delta);

    /// <summary>KL(target ‖ input) pointwise: target·(log target − input). input holds log-probabilities; target
    /// probabilities, or log-probabilities with logTarget. Use Reduction.BatchMean for the true KL divergence
    /// (Mean also divides by the number of classes, as in PyTorch).</summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false) =>
        Elementwise(4, input, target, reduction, logTarget ? 1 : 0, batchMeanAllowed: true);

    /// <summary>−[y·log(x) + (1 − y)·log(1 − x)] for probabilities x (log clamped at −100, as PyTorch). weight
    /// broadcasts to the target's shape. Prefer <see cref="BinaryCrossEntropyWithLogits"/>: it is stable.</summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null,
        Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Native.Check(Native.mlr_nn_loss_binary_cross_entropy(0, input.Handle, target.Handle, Raw(weight), IntPtr.Zero,
            ReductionCode(reduction), out var r));
        GC.KeepAlive(weight);
        return Take(r);
    }

    /// <summary>Binary cross-entropy on logits, computed stably (log-sum-exp). posWeight (one per class, the last
    /// dim) multiplies the positive term, trading recall for precision in imbalanced data.</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null,
        Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        Native.Check(Native.mlr_nn_loss_binary_cross_entropy(1, input.Handle, target.Handle, Raw(weight), Raw(posWeight),
            ReductionCode(reduction), out var r));
        GC.KeepAlive(weight);
        GC.KeepAlive(posWeight);
        return Take(r);
    }
}
