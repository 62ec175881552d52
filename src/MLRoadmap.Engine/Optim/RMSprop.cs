using MLRoadmap.Interop;

namespace MLRoadmap.Optim;

/// <summary>
/// RMSprop, as <c>torch.optim.RMSprop</c>. With g = grad (negated when maximizing) + weight_decay·p:
/// s = α·s + (1 − α)·g²; centered: a = α·a + (1 − α)·g and avg = √(s − a²) + eps, else avg = √s + eps;
/// with momentum b = momentum·b + g/avg and p −= lr·b, else p −= lr·g/avg.
/// State: <c>step</c>, <c>square_avg</c>, <c>momentum_buffer</c> (momentum &gt; 0), <c>grad_avg</c> (centered).
/// </summary>
public sealed class RMSprop : Optimizer
{
    private static readonly string[] Slots = ["step", "square_avg", "momentum_buffer", "grad_avg"];

    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this(SGD.SingleGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered, maximize)
    {
    }

    /// <summary>Several groups; what a group leaves unset comes from these arguments.</summary>
    public RMSprop(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(new Dictionary<string, object>
        {
            ["lr"] = lr, ["alpha"] = alpha, ["eps"] = eps, ["weight_decay"] = weightDecay, ["momentum"] = momentum,
            ["centered"] = centered, ["maximize"] = maximize,
        })
    {
        foreach (var group in SGD.NonEmpty(paramGroups)) AddParamGroup(group);
    }

    protected override unsafe void StepGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var lr = group.GetDouble("lr");
        var alpha = group.GetDouble("alpha");
        var eps = group.GetDouble("eps");
        var weightDecay = group.GetDouble("weight_decay");
        var momentum = group.GetDouble("momentum");
        var flags = (group.GetBool("maximize") ? 1 : 0) | (group.GetBool("centered") ? 4 : 0);
        RunGroup(group, Slots, (p, n, s) => Native.mlr_optim_rmsprop_step(p, n, s, s + n, s + 2 * n, s + 3 * n, lr, alpha,
            eps, weightDecay, momentum, flags));
    }
}

/// <summary>A parameter group with RMSprop's hyperparameters as properties; unset ones take the optimizer's.</summary>
public sealed class RMSpropGroup(IEnumerable<Tensor> parameters) : ParamGroup(parameters)
{
    public double Alpha { get => GetDouble("alpha"); set => this["alpha"] = value; }
    public double Eps { get => GetDouble("eps"); set => this["eps"] = value; }
    public double WeightDecay { get => GetDouble("weight_decay"); set => this["weight_decay"] = value; }
    public double Momentum { get => GetDouble("momentum"); set => this["momentum"] = value; }
    public bool Centered { get => GetBool("centered"); set => this["centered"] = value; }
    public bool Maximize { get => GetBool("maximize"); set => this["maximize"] = value; }
}
