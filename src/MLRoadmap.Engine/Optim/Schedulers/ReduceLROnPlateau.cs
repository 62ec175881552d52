using System.Globalization;
using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>Whether a lower or a higher metric is better.</summary>
public enum PlateauMode
{
    /// <summary>A loss: lower is better.</summary>
    Min,

    /// <summary>An accuracy: higher is better.</summary>
    Max,
}

/// <summary>How <see cref="ReduceLROnPlateau.Threshold"/> measures a significant improvement.</summary>
public enum ThresholdMode
{
    /// <summary>Better than best·(1 − threshold) (Min) or best·(1 + threshold) (Max).</summary>
    Rel,

    /// <summary>Better than best − threshold (Min) or best + threshold (Max).</summary>
    Abs,
}

/// <summary>
/// Multiplies every group's learning rate by <see cref="Factor"/> when a metric has not improved for more than
/// <see cref="Patience"/> steps, as <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>: after a cut, the next
/// <see cref="Cooldown"/> steps count no bad steps; a group's rate never goes below its min_lr, and a cut smaller
/// than <see cref="Eps"/> is skipped. Not an <see cref="LRScheduler"/> (it is stepped with a metric, as in PyTorch
/// 1.13), but an <see cref="ILRScheduler"/> for checkpoints and logging. It changes no rate at construction.
/// </summary>
public sealed class ReduceLROnPlateau : ILRScheduler
{
    private double[] _minLrs;
    private double[] _lastLr;

    /// <summary>One <paramref name="minLr"/> for every group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel, int cooldown = 0, double minLr = 0,
        double eps = 1e-8)
        : this(optimizer, Enumerable.Repeat(minLr, optimizer?.ParamGroups.Count ?? 0).ToArray(), mode, factor, patience,
            threshold, thresholdMode, cooldown, eps)
    {
    }

    /// <summary>One min_lr per parameter group.</summary>
    public ReduceLROnPlateau(Optimizer optimizer, IReadOnlyList<double> minLrs, PlateauMode mode = PlateauMode.Min,
        double factor = 0.1, int patience = 10, double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel,
        int cooldown = 0, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ObjectDisposedException.ThrowIf(optimizer.IsDisposed, optimizer);
        _minLrs = SchedulerChecks.PerGroup(minLrs, optimizer.ParamGroups.Count, nameof(minLrs));
        Validate(mode, factor, patience, threshold, thresholdMode, cooldown, eps);
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
        _lastLr = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
    }

    public Optimizer Optimizer { get; }

    /// <summary>The number of metrics seen.</summary>
    public int LastEpoch { get; private set; }

    public PlateauMode Mode { get; private set; }

    public double Factor { get; private set; }

    public int Patience { get; private set; }

    public double Threshold { get; private set; }

    public ThresholdMode ThresholdMode { get; private set; }

    public int Cooldown { get; private set; }

    public IReadOnlyList<double> MinLrs => Array.AsReadOnly(_minLrs);

    public double Eps { get; private set; }

    /// <summary>The best metric so far (+∞ in Min mode, −∞ in Max mode before the first).</summary>
    public double Best { get; private set; }

    /// <summary>Steps since the last significant improvement (0 during a cooldown and right after a cut).</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Steps of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    public bool InCooldown => CooldownCounter > 0;

    public IReadOnlyList<double> GetLastLr() => Array.AsReadOnly(_lastLr);

    private static void Validate(PlateauMode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode,
        int cooldown, double eps)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown mode");
        SchedulerChecks.Between(factor, 0, 1, nameof(factor), maxExclusive: true, why: "the new lr is lr * factor");
        SchedulerChecks.AtLeast(patience, 0, nameof(patience));
        SchedulerChecks.NonNegative(threshold, nameof(threshold));
        if (!Enum.IsDefined(thresholdMode)) throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, "unknown threshold mode");
        SchedulerChecks.AtLeast(cooldown, 0, nameof(cooldown));
        SchedulerChecks.NonNegative(eps, nameof(eps));
    }

    /// <summary>Takes the metric of one step (usually an epoch's validation loss or accuracy) and cuts the learning
    /// rates if it has not improved for more than <see cref="Patience"/> steps.</summary>
    public void Step(double metric)
    {
        ObjectDisposedException.ThrowIf(Optimizer.IsDisposed, Optimizer);
        var groups = Optimizer.ParamGroups;
        if (groups.Count != _minLrs.Length)
        {
            throw new InvalidOperationException(
                $"the optimizer has {groups.Count} parameter groups but ReduceLROnPlateau was made for {_minLrs.Length}");
        }
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (InCooldown)
        {
            CooldownCounter--;
            NumBadEpochs = 0; // bad steps in a cooldown don't count
        }
        if (NumBadEpochs > Patience)
        {
            for (var g = 0; g < groups.Count; g++)
            {
                var old = groups[g].LearningRate;
                var lr = Math.Max(old * Factor, _minLrs[g]);
                if (old - lr > Eps) groups[g].LearningRate = lr;
            }
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        _lastLr = groups.Select(g => g.LearningRate).ToArray();
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1.0 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1.0),
        _ => a > best + Threshold,
    };

    public JsonObject StateDict() => new()
    {
        ["type"] = nameof(ReduceLROnPlateau),
        ["last_epoch"] = LastEpoch,
        ["mode"] = Mode == PlateauMode.Min ? "min" : "max",
        ["factor"] = StateJson.Number(Factor),
        ["patience"] = Patience,
        ["threshold"] = StateJson.Number(Threshold),
        ["threshold_mode"] = ThresholdMode == ThresholdMode.Rel ? "rel" : "abs",
        ["cooldown"] = Cooldown,
        ["min_lrs"] = StateJson.Numbers(_minLrs),
        ["eps"] = StateJson.Number(Eps),
        ["best"] = StateJson.Number(Best),
        ["num_bad_epochs"] = NumBadEpochs,
        ["cooldown_counter"] = CooldownCounter,
        ["last_lr"] = StateJson.Numbers(_lastLr),
        ["group_lrs"] = StateJson.Numbers(Optimizer.ParamGroups.Select(g => g.LearningRate)),
    };

    public void LoadStateDict(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(Optimizer.IsDisposed, Optimizer);
        var r = SchedulerStateReader.Open(state, nameof(ReduceLROnPlateau));
        var groups = Optimizer.ParamGroups;
        var lastEpoch = r.Int("last_epoch");
        var mode = r.String("mode") switch
        {
            "min" => PlateauMode.Min,
            "max" => PlateauMode.Max,
            var s => throw r.Error($"'mode' must be \"min\" or \"max\", not \"{s}\""),
        };
        var factor = r.Double("factor");
        var patience = r.Int("patience");
        var threshold = r.Double("threshold");
        var thresholdMode = r.String("threshold_mode") switch
        {
            "rel" => ThresholdMode.Rel,
            "abs" => ThresholdMode.Abs,
            var s => throw r.Error($"'threshold_mode' must be \"rel\" or \"abs\", not \"{s}\""),
        };
        var cooldown = r.Int("cooldown");
        var minLrs = r.Doubles("min_lrs", groups.Count);
        var eps = r.Double("eps");
        var best = r.Double("best");
        var bad = r.Int("num_bad_epochs");
        var counter = r.Int("cooldown_counter");
        var lastLr = r.Doubles("last_lr", groups.Count);
        var groupLrs = r.Doubles("group_lrs", groups.Count);
        r.Check(() =>
        {
            Validate(mode, factor, patience, threshold, thresholdMode, cooldown, eps);
            SchedulerChecks.PerGroup(minLrs, groups.Count, "min_lrs");
            SchedulerChecks.PerGroup(lastLr, groups.Count, "last_lr");
            SchedulerChecks.PerGroup(groupLrs, groups.Count, "group_lrs");
        });
        foreach (var (key, value) in new[] { ("last_epoch", lastEpoch), ("num_bad_epochs", bad), ("cooldown_counter", counter) })
        {
            if (value < 0) throw r.Error($"'{key}' must be >= 0, not {value.ToString(CultureInfo.InvariantCulture)}");
        }
        if (double.IsNaN(best)) throw r.Error("'best' is NaN");

        LastEpoch = lastEpoch;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        _minLrs = minLrs;
        Eps = eps;
        Best = best;
        NumBadEpochs = bad;
        CooldownCounter = counter;
        _lastLr = lastLr;
        for (var g = 0; g < groups.Count; g++) groups[g].LearningRate = groupLrs[g];
    }

    public override string ToString() =>
        $"ReduceLROnPlateau(last_epoch={LastEpoch}, best={Best.ToString("G6", CultureInfo.InvariantCulture)}, " +
        $"num_bad_epochs={NumBadEpochs}, lr=[{string.Join(", ", _lastLr.Select(l => l.ToString("G6", CultureInfo.InvariantCulture)))}])";
}
