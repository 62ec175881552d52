using MLRoadmap.Interop;

namespace MLRoadmap.Optim;

/// <summary>
/// Adam, as <c>torch.optim.Adam</c>. With g = grad (negated when maximizing) + weight_decay·p (L2, into the gradient)
/// and t the parameter's step count: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², and
/// p −= lr/(1 − β1ᵗ) · m / (√v̂ / √(1 − β2ᵗ) + eps), where v̂ is v, or its running maximum with amsgrad.
/// State: <c>step</c> (a float32 scalar, as PyTorch keeps it), <c>exp_avg</c>, <c>exp_avg_sq</c>, and
/// <c>max_exp_avg_sq</c> with amsgrad.
/// </summary>
public class Adam : Optimizer
{
    private static readonly string[] Slots = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
    private readonly bool _decoupled;

    /// <summary>One group over <paramref name="parameters"/>. <paramref name="betas"/> defaults to (0.9, 0.999).</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false, bool fused = false)
        : this(SGD.SingleGroup(parameters), lr, betas, eps, weightDecay, amsgrad, maximize, fused)
    {
    }

    /// <summary>Several groups; what a group leaves unset comes from these arguments.</summary>
    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false, bool fused = false)
        : this(paramGroups, false, lr, betas, eps, weightDecay, amsgrad, maximize, fused)
    {
    }

    private protected Adam(IEnumerable<ParamGroup> paramGroups, bool decoupled, double lr, (double, double)? betas,
        double eps, double weightDecay, bool amsgrad, bool maximize, bool fused)
        : base(new Dictionary<string, object>
        {
            ["lr"] = lr, ["betas"] = betas ?? (0.9, 0.999), ["eps"] = eps, ["weight_decay"] = weightDecay,
            ["amsgrad"] = amsgrad, ["maximize"] = maximize, ["fused"] = fused,
        })
    {
        _decoupled = decoupled;
        foreach (var group in SGD.NonEmpty(paramGroups)) AddParamGroup(group);
    }

    private int Kind => _decoupled ? 2 : 1;

    /// <summary>Whether this libtorch has a fused Adam kernel for the device (CUDA from 2.1, the CPU from 2.4).</summary>
    public static bool IsFusedAvailable(Device device) => FusedAvailable(1, device.Type);

    protected override void CheckGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        CheckFused(group, Kind);
    }

    protected override unsafe void StepGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var lr = group.GetDouble("lr");
        var (beta1, beta2) = group.GetPair("betas");
        var eps = group.GetDouble("eps");
        var weightDecay = group.GetDouble("weight_decay");
        var decoupled = _decoupled ? 1 : 0;
        var flags = (group.GetBool("maximize") ? 1 : 0) | (group.GetBool("fused") ? 2 : 0) | (group.GetBool("amsgrad") ? 4 : 0);
        RunGroup(group, Slots, (p, n, s) => Native.mlr_optim_adam_step(p, n, s, s + n, s + 2 * n, s + 3 * n, lr, beta1,
            beta2, eps, weightDecay, decoupled, flags));
    }
}

/// <summary>
/// AdamW, as <c>torch.optim.AdamW</c>: Adam with decoupled weight decay, p *= 1 − lr·weight_decay before the Adam
/// update, instead of adding the decay to the gradient. Default weight decay 0.01.
/// </summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false, bool fused = false)
        : base(SGD.SingleGroup(parameters), true, lr, betas, eps, weightDecay, amsgrad, maximize, fused)
    {
    }

    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false, bool fused = false)
        : base(paramGroups, true, lr, betas, eps, weightDecay, amsgrad, maximize, fused)
    {
    }

    /// <summary>Whether this libtorch has a fused AdamW kernel for the device (CUDA from 2.1, the CPU from 2.4).</summary>
    public static new bool IsFusedAvailable(Device device) => FusedAvailable(2, device.Type);
}

/// <summary>A parameter group with Adam's (and AdamW's) hyperparameters as properties; unset ones take the
/// optimizer's.</summary>
public sealed class AdamGroup(IEnumerable<Tensor> parameters) : ParamGroup(parameters)
{
    public (double Beta1, double Beta2) Betas { get => GetPair("betas"); set => this["betas"] = (value.Beta1, value.Beta2); }
    public double Eps { get => GetDouble("eps"); set => this["eps"] = value; }
    public double WeightDecay { get => GetDouble("weight_decay"); set => this["weight_decay"] = value; }
    public bool Amsgrad { get => GetBool("amsgrad"); set => this["amsgrad"] = value; }
    public bool Maximize { get => GetBool("maximize"); set => this["maximize"] = value; }
    public bool Fused { get => GetBool("fused"); set => this["fused"] = value; }
}
