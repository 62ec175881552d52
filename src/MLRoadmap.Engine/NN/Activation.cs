using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

// Activation modules: thin wrappers over Functional that hold the hyperparameters. With inplace: true they
// overwrite their input (saving memory where the input is not needed again) and return a new tensor object
// for it, so callers can dispose input and output independently as with every other Forward.

/// <summary>Base for stateless elementwise modules that may work in place.</summary>
public abstract class ActivationModule(bool inplace) : Module<Tensor, Tensor>
{
    public bool Inplace { get; } = inplace;

    private protected abstract Tensor Apply(Tensor input, bool inplace);

    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Inplace ? Apply(input, true).Alias() : Apply(input, false);
    }

    protected override string ExtraRepr() => Inplace ? "inplace=True" : "";
}

public sealed class ReLU(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Relu(x, inplace);
}

/// <summary>min(max(x, 0), 6).</summary>
public sealed class ReLU6(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Relu6(x, inplace);
}

public sealed class LeakyReLU(double negativeSlope = 0.01, bool inplace = false) : ActivationModule(inplace)
{
    public double NegativeSlope { get; } = negativeSlope;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.LeakyRelu(x, NegativeSlope, inplace);
    protected override string ExtraRepr() => $"negative_slope={Py(NegativeSlope)}" + (Inplace ? ", inplace=True" : "");
}

public sealed class ELU(double alpha = 1.0, bool inplace = false) : ActivationModule(inplace)
{
    public double Alpha { get; } = alpha;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Elu(x, Alpha, inplace);
    protected override string ExtraRepr() => $"alpha={Py(Alpha)}" + (Inplace ? ", inplace=True" : "");
}

public sealed class SELU(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Selu(x, inplace);
}

public sealed class CELU(double alpha = 1.0, bool inplace = false) : ActivationModule(inplace)
{
    public double Alpha { get; } = alpha;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Celu(x, Alpha, inplace);
    protected override string ExtraRepr() => $"alpha={Py(Alpha)}" + (Inplace ? ", inplace=True" : "");
}

/// <summary>x·Φ(x); <see cref="GeluApproximation.Tanh"/> is the tanh approximation GPT-2 trained with.</summary>
public sealed class GELU(GeluApproximation approximate = GeluApproximation.None) : ActivationModule(false)
{
    public GeluApproximation Approximate { get; } = approximate;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Gelu(x, Approximate);
    protected override string ExtraRepr() => $"approximate='{(Approximate == GeluApproximation.Tanh ? "tanh" : "none")}'";
}

/// <summary>x·σ(x), also called swish.</summary>
public sealed class SiLU(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Silu(x, inplace);
}

public sealed class Mish(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Mish(x, inplace);
}

public sealed class Softplus(double beta = 1.0, double threshold = 20.0) : ActivationModule(false)
{
    public double Beta { get; } = beta;
    public double Threshold { get; } = threshold;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Softplus(x, Beta, Threshold);
    protected override string ExtraRepr() => $"beta={Py(Beta)}, threshold={Py(Threshold)}";
}

public sealed class Hardswish(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Hardswish(x, inplace);
}

public sealed class Hardsigmoid(bool inplace = false) : ActivationModule(inplace)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Hardsigmoid(x, inplace);
}

public sealed class Hardtanh(double minVal = -1.0, double maxVal = 1.0, bool inplace = false) : ActivationModule(inplace)
{
    public double MinVal { get; } = minVal;
    public double MaxVal { get; } = maxVal;
    private protected override Tensor Apply(Tensor x, bool inplace) => F.Hardtanh(x, MinVal, MaxVal, inplace);
    protected override string ExtraRepr() => $"min_val={Py(MinVal)}, max_val={Py(MaxVal)}" + (Inplace ? ", inplace=True" : "");
}

public sealed class LogSigmoid() : ActivationModule(false)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => F.LogSigmoid(x);
}

public sealed class Tanh() : ActivationModule(false)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => x.Tanh();
}

public sealed class Sigmoid() : ActivationModule(false)
{
    private protected override Tensor Apply(Tensor x, bool inplace) => x.Sigmoid();
}

/// <summary>Softmax along <see cref="Dim"/>: the values along it become probabilities summing to 1.</summary>
public sealed class Softmax(long dim) : ActivationModule(false)
{
    public long Dim { get; } = dim;
    private protected override Tensor Apply(Tensor x, bool inplace) => x.Softmax(Dim);
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>log(softmax(x)) along <see cref="Dim"/>, computed stably; pair it with NLLLoss.</summary>
public sealed class LogSoftmax(long dim) : ActivationModule(false)
{
    public long Dim { get; } = dim;
    private protected override Tensor Apply(Tensor x, bool inplace) => x.LogSoftmax(Dim);
    protected override string ExtraRepr() => $"dim={Dim}";
}

/// <summary>Leaky ReLU with a learned slope: one shared (numParameters = 1) or one per channel (dim 1).
/// State: weight (numParameters), initialised to init (0.25).</summary>
public sealed class PReLU : Module<Tensor, Tensor>
{
    public PReLU(long numParameters = 1, double init = 0.25, Device? device = null, ScalarType? dtype = null)
    {
        NumParameters = numParameters;
        RegisterParameter("weight", new Parameter(Torch.Full([numParameters], init, dtype, device)));
    }

    public long NumParameters { get; }
    public Parameter Weight => GetParameter("weight")!;

    public override Tensor Forward(Tensor input) => F.Prelu(input, Weight);

    protected override string ExtraRepr() => $"num_parameters={NumParameters}";
}
