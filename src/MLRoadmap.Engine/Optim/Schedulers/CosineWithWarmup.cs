using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Linear warmup then cosine annealing: the learning rate rises linearly from <see cref="WarmupStartFactor"/>·base
/// (step 0) towards base over <see cref="WarmupSteps"/> steps, is base at step WarmupSteps, and follows a cosine down
/// to <see cref="MinLr"/> at step <see cref="TotalSteps"/>. Exactly what PyTorch 1.13 computes with
/// <c>SequentialLR(opt, [LinearLR(opt, warmupStartFactor, 1.0, warmupSteps), CosineAnnealingLR(opt,
/// totalSteps − warmupSteps, minLr)], milestones: [warmupSteps])</c>, recursive forms and all.
/// </summary>
/// <remarks>
/// Quirks of that composition kept here: at the milestone SequentialLR restarts the cosine with the deprecated
/// <c>step(0)</c>, i.e. its closed form min_lr + (base − min_lr)·(1 + cos 0)/2, which is base up to rounding; past
/// <see cref="TotalSteps"/> the cosine is not held at min_lr but rises again (to base at 2·TotalSteps − WarmupSteps).
/// Refused (PyTorch fails or misbehaves on them): warmupStartFactor 0 (LinearLR divides by zero), warmupSteps 0
/// (SequentialLR never restarts the cosine and holds the start factor), totalSteps ≤ warmupSteps (T_max 0).
/// </remarks>
public sealed class CosineWithWarmup : LRScheduler
{
    public CosineWithWarmup(Optimizer optimizer, int warmupSteps, int totalSteps, double warmupStartFactor, double minLr = 0)
        : base(optimizer)
    {
        Validate(warmupSteps, totalSteps, warmupStartFactor, minLr);
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        WarmupStartFactor = warmupStartFactor;
        MinLr = minLr;
        InitialStep();
    }

    public int WarmupSteps { get; private set; }

    public int TotalSteps { get; private set; }

    public double WarmupStartFactor { get; private set; }

    public double MinLr { get; private set; }

    private static void Validate(int warmupSteps, int totalSteps, double warmupStartFactor, double minLr)
    {
        SchedulerChecks.AtLeast(warmupSteps, 1, nameof(warmupSteps));
        LinearLR.Validate(warmupStartFactor, 1.0, warmupSteps, nameof(warmupStartFactor), nameof(warmupSteps));
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps,
                $"totalSteps ({totalSteps}) must be greater than warmupSteps ({warmupSteps}): the cosine needs at least one step");
        SchedulerChecks.NonNegative(minLr, nameof(minLr));
    }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        var tMax = TotalSteps - WarmupSteps;
        for (var g = 0; g < lrs.Length; g++)
        {
            lrs[g] = epoch switch
            {
                // SequentialLR resets lr to initial_lr before LinearLR's first step.
                0 => LinearLR.Recursive(BaseLrs[g], WarmupStartFactor, 1.0, WarmupSteps, 0),
                _ when epoch < WarmupSteps => LinearLR.Recursive(lrs[g], WarmupStartFactor, 1.0, WarmupSteps, epoch),
                _ when epoch == WarmupSteps => CosineAnnealingLR.ClosedForm(BaseLrs[g], MinLr, 0, tMax),
                _ => CosineAnnealingLR.Recursive(lrs[g], BaseLrs[g], MinLr, epoch - WarmupSteps, tMax),
            };
        }
        return lrs;
    }

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["warmup_steps"] = WarmupSteps;
        state["total_steps"] = TotalSteps;
        state["warmup_start_factor"] = StateJson.Number(WarmupStartFactor);
        state["min_lr"] = StateJson.Number(MinLr);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var warmup = state.Int("warmup_steps");
        var total = state.Int("total_steps");
        var start = state.Double("warmup_start_factor");
        var minLr = state.Double("min_lr");
        state.Check(() => Validate(warmup, total, start, minLr));
        return () =>
        {
            WarmupSteps = warmup;
            TotalSteps = total;
            WarmupStartFactor = start;
            MinLr = minLr;
        };
    }
}
