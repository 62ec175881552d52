using MLRoadmap.Data;
using MLRoadmap.Optim;

namespace MLRoadmap.Training.Callbacks;

/// <summary>The sweep an <see cref="LRFinder"/> ran: learning rates, raw and smoothed losses, and a suggestion.</summary>
public sealed record LRFinderResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses,
    IReadOnlyList<double> SmoothedLosses, double? Suggestion, bool Diverged);

/// <summary>
/// The learning-rate range test (Smith 2015; Lightning's and fastai's lr_find): train for a few steps while raising
/// the learning rate exponentially from <c>minLr</c> to <c>maxLr</c>, record the loss, stop early when it diverges,
/// and suggest the rate where the smoothed loss falls fastest. The model's weights, the optimizers and the random
/// state are put back afterwards, so the sweep leaves no trace on the run that follows.
/// </summary>
public sealed class LRFinder : Callback
{
    private readonly List<double> _lrs = [];
    private readonly List<double> _losses = [];
    private readonly List<double> _smoothed = [];
    private double[]? _initialLrs;
    private double _average;
    private double _bestSmoothed = double.PositiveInfinity;
    private bool _diverged;

    /// <param name="minLr">Where the sweep starts (well below any useful rate).</param>
    /// <param name="maxLr">Where it ends (well above).</param>
    /// <param name="steps">Optimizer steps in the sweep; 100 resolves the curve without costing an epoch.</param>
    /// <param name="smoothing">The weight of each new loss in the running average (1 = none); the raw loss is too noisy
    /// to differentiate, and 0.05 averages over about the last 20 steps (Lightning's default).</param>
    /// <param name="divergeFactor">Stop when the smoothed loss exceeds this multiple of the best one.</param>
    public LRFinder(double minLr = 1e-7, double maxLr = 1, int steps = 100, double smoothing = 0.05, double divergeFactor = 4)
    {
        if (!(minLr > 0) || !(maxLr > minLr)) throw new ArgumentException($"need 0 < minLr < maxLr, not {minLr} and {maxLr}");
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), $"the sweep needs at least 2 steps, not {steps}");
        if (smoothing is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(smoothing), "smoothing must be in (0, 1]");
        MinLr = minLr;
        MaxLr = maxLr;
        Steps = steps;
        Smoothing = smoothing;
        DivergeFactor = divergeFactor;
    }

    public double MinLr { get; }
    public double MaxLr { get; }
    public int Steps { get; }
    public double Smoothing { get; }
    public double DivergeFactor { get; }

    /// <summary>Runs the sweep on <paramref name="model"/> with a trainer like <paramref name="options"/> (same
    /// device and precision; no checkpoints or logs), then restores the model and the random state.</summary>
    public static LRFinderResult Run(TrainingModule model, DataLoader train, TrainerOptions? options = null,
        double minLr = 1e-7, double maxLr = 1, int steps = 100)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        var finder = new LRFinder(minLr, maxLr, steps);
        var sweep = (options ?? new TrainerOptions()) with
        {
            MaxSteps = steps,
            MaxEpochs = int.MaxValue,
            RunDirectory = null,
            EnableCheckpointing = false,
            DetectNonFinite = false,
            LimitTrainBatches = null,
        };
        var rng = Torch.GetRngSnapshot();
        var loaderState = train.State;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (var state = model.StateDict())
                foreach (var (k, v) in state) weights[k] = v.Clone().DetachFromDisposeScope();
            var trainer = new Trainer(sweep, [finder]) { Warn = _ => { } };
            trainer.Fit(model, train);
            return finder.Result;
        }
        finally
        {
            model.LoadStateDict(weights);
            foreach (var t in weights.Values) t.Dispose();
            Torch.SetRngSnapshot(rng);
            train.Restore(loaderState);
        }
    }

    public LRFinderResult Result => new([.. _lrs], [.. _losses], [.. _smoothed], Suggest(), _diverged);

    public override void OnFitStart(Trainer trainer, TrainingModule model)
    {
        _initialLrs = [.. trainer.Optimizers.SelectMany(o => o.ParamGroups).Select(g => g.LearningRate)];
        _lrs.Clear();
        _losses.Clear();
        _smoothed.Clear();
        _average = 0;
        _bestSmoothed = double.PositiveInfinity;
        _diverged = false;
    }

    public override void OnTrainBatchStart(Trainer trainer, TrainingModule model, int batchIndex)
    {
        // Exponential ramp: step k of n uses minLr·(maxLr/minLr)^(k/(n-1)), for every group alike.
        var k = _lrs.Count;
        var lr = MinLr * Math.Pow(MaxLr / MinLr, k / (double)(Steps - 1));
        foreach (var opt in trainer.Optimizers)
            foreach (var g in opt.ParamGroups) g.LearningRate = lr;
        _lrs.Add(lr);
    }

    public override void OnTrainBatchEnd(Trainer trainer, TrainingModule model, int batchIndex, double loss)
    {
        _losses.Add(loss);
        var n = _losses.Count;
        var beta = 1 - Smoothing;
        _average = beta * _average + Smoothing * loss;
        // Bias-corrected, as fastai does, so the first steps aren't pulled towards the average's start at 0.
        var smoothed = beta == 0 ? loss : _average / (1 - Math.Pow(beta, n));
        _smoothed.Add(smoothed);
        if (!double.IsFinite(smoothed) || (n > 1 && smoothed > DivergeFactor * _bestSmoothed))
        {
            _diverged = true;
            trainer.RequestStop("the learning-rate sweep diverged");
            return;
        }
        _bestSmoothed = Math.Min(_bestSmoothed, smoothed);
    }

    public override void OnFitEnd(Trainer trainer, TrainingModule model)
    {
        if (_initialLrs is null) return;
        var i = 0;
        foreach (var opt in trainer.Optimizers)
            foreach (var g in opt.ParamGroups) g.LearningRate = _initialLrs[i++];
    }

    // The steepest descent of the smoothed loss in log-lr, ignoring the noisy first and diverging last points.
    private double? Suggest()
    {
        var n = _smoothed.Count;
        if (n < 5) return null;
        var skipEnd = _diverged ? Math.Max(1, n / 10) : 1;
        double best = double.PositiveInfinity;
        int at = -1;
        for (var i = Math.Max(1, n / 10); i < n - skipEnd; i++)
        {
            if (!double.IsFinite(_smoothed[i]) || !double.IsFinite(_smoothed[i - 1])) continue;
            var slope = (_smoothed[i] - _smoothed[i - 1]) / (Math.Log(_lrs[i]) - Math.Log(_lrs[i - 1]));
            if (slope < best)
            {
                best = slope;
                at = i;
            }
        }
        return at < 0 ? null : _lrs[at];
    }
}
