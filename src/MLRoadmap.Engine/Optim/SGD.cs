using MLRoadmap.Interop;

namespace MLRoadmap.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay, as
/// <c>torch.optim.SGD</c>: with g = grad (negated when maximizing) + weight_decay·p, the momentum buffer is
/// b = g on the first step and b = momentum·b + (1 − dampening)·g after; the update is p −= lr·d where d is g without
/// momentum, b with it, and g + momentum·b with Nesterov. State: <c>momentum_buffer</c> (only with momentum).
/// </summary>
public class SGD : Optimizer
{
    private static readonly string[] Slots = ["momentum_buffer"];

    /// <summary>One group over <paramref name="parameters"/>.</summary>
    public SGD(IEnumerable<Tensor> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false, bool fused = false)
        : this(SingleGroup(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize, fused)
    {
    }

    /// <summary>Several groups; what a group leaves unset comes from these arguments.</summary>
    public SGD(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false, bool fused = false)
        : base(new Dictionary<string, object>
        {
            ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay,
            ["nesterov"] = nesterov, ["maximize"] = maximize, ["fused"] = fused,
        })
    {
        foreach (var group in NonEmpty(paramGroups)) AddParamGroup(group);
    }

    /// <summary>Whether this libtorch has a fused SGD kernel for the device (CPU and CUDA from 2.4).</summary>
    public static bool IsFusedAvailable(Device device) => FusedAvailable(0, device.Type);

    internal static IEnumerable<ParamGroup> SingleGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [new ParamGroup(parameters)];
    }

    internal static List<ParamGroup> NonEmpty(IEnumerable<ParamGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var list = groups.ToList();
        if (list.Count == 0 || list.All(g => g.Parameters.Count == 0))
            throw HyperParameters.Invalid("parameters", "optimizer got an empty parameter list");
        return list;
    }

    protected override void CheckGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.GetBool("nesterov") && (group.GetDouble("momentum") <= 0 || group.GetDouble("dampening") != 0))
            throw HyperParameters.Invalid("nesterov", "Nesterov momentum requires a momentum and zero dampening");
        CheckFused(group, 0);
    }

    protected override unsafe void StepGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var lr = group.GetDouble("lr");
        var momentum = group.GetDouble("momentum");
        var dampening = group.GetDouble("dampening");
        var weightDecay = group.GetDouble("weight_decay");
        var flags = (group.GetBool("maximize") ? 1 : 0) | (group.GetBool("fused") ? 2 : 0) | (group.GetBool("nesterov") ? 4 : 0);
        RunGroup(group, Slots, (p, n, s) => Native.mlr_optim_sgd_step(p, n, s, lr, momentum, dampening, weightDecay, flags));
    }
}

/// <summary>A parameter group with SGD's hyperparameters as properties; unset ones take the optimizer's.</summary>
public sealed class SGDGroup(IEnumerable<Tensor> parameters) : ParamGroup(parameters)
{
    public double Momentum { get => GetDouble("momentum"); set => this["momentum"] = value; }
    public double Dampening { get => GetDouble("dampening"); set => this["dampening"] = value; }
    public double WeightDecay { get => GetDouble("weight_decay"); set => this["weight_decay"] = value; }
    public bool Nesterov { get => GetBool("nesterov"); set => this["nesterov"] = value; }
    public bool Maximize { get => GetBool("maximize"); set => this["maximize"] = value; }
    public bool Fused { get => GetBool("fused"); set => this["fused"] = value; }
}
