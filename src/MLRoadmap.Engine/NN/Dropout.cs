using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.NN;

/// <summary>
/// While training, zeroes each element with probability p and scales the survivors by 1 / (1 − p), so the expected
/// activation is unchanged and evaluation (where it does nothing) needs no rescaling. Draws from the default
/// generator exactly as PyTorch's Dropout, so after the same seed it drops the same elements.
/// </summary>
public class Dropout : Module<Tensor, Tensor>
{
    public Dropout(double p = 0.5, bool inplace = false)
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout probability has to be between 0 and 1, but got {p}");
        P = p;
        Inplace = inplace;
    }

    public double P { get; }
    public bool Inplace { get; }

    /// <summary>0: elementwise (Dropout), 1: whole channels (Dropout1d/2d/3d), 2: alpha (AlphaDropout).</summary>
    private protected virtual int Kind => 0;

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = Kind switch
        {
            0 => F.Dropout(input, P, IsTraining, Inplace),
            1 => F.FeatureDropout(input, P, IsTraining, Inplace),
            _ => F.AlphaDropout(input, P, IsTraining, Inplace),
        };
        // The in-place forms hand back their input; give the caller a tensor object of its own, as everywhere else.
        return Inplace ? result.Alias() : result;
    }

    protected override string ExtraRepr() => $"p={Py(P)}, inplace={Py(Inplace)}";
}

/// <summary>Zeroes whole channels of (N, C, L) input: neighbouring elements of a channel are correlated, so
/// elementwise dropout would barely regularise.</summary>
public sealed class Dropout1d(double p = 0.5, bool inplace = false) : Dropout(p, inplace)
{
    private protected override int Kind => 1;
}

/// <summary>Zeroes whole channels of (N, C, H, W) input.</summary>
public sealed class Dropout2d(double p = 0.5, bool inplace = false) : Dropout(p, inplace)
{
    private protected override int Kind => 1;
}

/// <summary>Dropout for SELU networks: keeps the inputs' mean and variance.</summary>
public sealed class AlphaDropout(double p = 0.5, bool inplace = false) : Dropout(p, inplace)
{
    private protected override int Kind => 2;
}
