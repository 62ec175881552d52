using MLRoadmap.NN;

namespace MLRoadmap.Models;

/// <summary>Options of <see cref="LstmForecaster"/>.</summary>
public sealed record LstmForecasterOptions : ModelOptions
{
    /// <summary>Features per time step: the value and four calendar features (hour of day and day of year, as sine
    /// and cosine), as the timeseries-lstm recipe gives them.</summary>
    public override int InChannels { get; init; } = 5;

    /// <summary>64 units: enough for a daily cycle and its drift on a CPU in minutes.</summary>
    public int HiddenSize { get; init; } = 64;

    /// <summary>Two stacked layers: the second sees the first's smoothed features.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>Dropout between the LSTM's layers (while training) and before the head; none by default.</summary>
    public double Dropout { get; init; }

    /// <summary>How many steps ahead the head predicts at once: 24 hours of hourly data.</summary>
    public int Horizon { get; init; } = 24;

    public override void Validate()
    {
        base.Validate();
        if (HiddenSize < 1) throw Bad(nameof(HiddenSize), HiddenSize, "must be at least 1");
        if (NumLayers < 1) throw Bad(nameof(NumLayers), NumLayers, "must be at least 1");
        if (Horizon < 1) throw Bad(nameof(Horizon), Horizon, "must be at least 1");
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout)) throw Bad(nameof(Dropout), Dropout, "a dropout probability must be in [0, 1)");
    }
}

/// <summary>
/// A direct multi-step forecaster: a batch-first LSTM reads the input window (B, T, InChannels), and one linear
/// layer maps its last hidden state to all <c>Horizon</c> future values at once (B, Horizon), rather than feeding
/// its own predictions back step by step, so errors do not compound over the horizon. Keys are what PyTorch's
/// <c>nn.LSTM</c> and <c>nn.Linear</c> named <c>lstm</c> and <c>head</c> give: <c>lstm.weight_ih_l0</c>,
/// <c>lstm.weight_hh_l0</c>, <c>lstm.bias_ih_l0</c>, <c>lstm.bias_hh_l0</c>, … per layer, <c>head.weight</c>,
/// <c>head.bias</c>. PyTorch's default initialisation, drawn in that order.
/// </summary>
public sealed class LstmForecaster : Module<Tensor, Tensor>
{
    private readonly Dropout _dropout;

    public LstmForecaster(LstmForecasterOptions? options = null)
    {
        Options = options ?? new LstmForecasterOptions();
        Options.Validate();
        var o = Options;
        Lstm = RegisterModule("lstm", new LSTM(o.InChannels, o.HiddenSize, o.NumLayers, batchFirst: true,
            dropout: o.NumLayers > 1 ? o.Dropout : 0));
        _dropout = RegisterModule("dropout", new Dropout(o.Dropout));
        Head = RegisterModule("head", new Linear(o.HiddenSize, o.Horizon));
    }

    public LstmForecasterOptions Options { get; }

    public LSTM Lstm { get; }

    public Linear Head { get; }

    /// <summary>(B, T, InChannels) → (B, Horizon); any window length T ≥ 1.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim != 3 || input.Size(2) != Options.InChannels)
            throw new ArgumentException($"LstmForecaster: expected input (batch, steps, {Options.InChannels}), got [{string.Join(", ", input.Shape)}]", nameof(input));
        using var scope = Torch.NewDisposeScope();
        var (output, _, _) = Lstm.Forward(input);                        // (B, T, H)
        var last = output.Select(1, -1);                                 // (B, H): the state after the newest step
        return Head.Forward(_dropout.Forward(last)).MoveToOuterScope();  // (B, Horizon)
    }
}
