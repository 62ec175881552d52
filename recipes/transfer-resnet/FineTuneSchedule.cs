using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// fastai's <c>fine_tune</c> as one per-step schedule: a one-cycle over the frozen phase's steps with every group
/// peaking at <see cref="FrozenMaxLrs"/>, then a fresh one-cycle over the remaining steps with each group peaking at
/// its own rate in <see cref="MaxLrs"/> (the discriminative rates). Each cycle is PyTorch's OneCycleLR over its
/// phase (cosine, without momentum cycling): from peak / divFactor up to the peak over pctStart of the phase, then
/// down to peak / (divFactor · finalDivFactor) at its last step.
/// </summary>
/// <remarks>Every rate is a function of the step count alone, so a checkpoint's <c>last_epoch</c> and the
/// hyperparameters below resume the schedule exactly. Steps past the end keep the final rate (a finished run
/// resumed with more epochs trains on at it) rather than throwing as OneCycleLR does.</remarks>
public sealed class FineTuneSchedule : LRScheduler
{
    public FineTuneSchedule(Optimizer optimizer, int frozenSteps, int totalSteps, IReadOnlyList<double> frozenMaxLrs,
        IReadOnlyList<double> maxLrs, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
        : base(optimizer)
    {
        var groups = Optimizer.ParamGroups.Count;
        Validate(frozenSteps, totalSteps, pctStart, divFactor, finalDivFactor);
        FrozenMaxLrs = PerGroup(frozenMaxLrs, groups, nameof(frozenMaxLrs));
        MaxLrs = PerGroup(maxLrs, groups, nameof(maxLrs));
        FrozenSteps = frozenSteps;
        TotalSteps = totalSteps;
        PctStart = pctStart;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        InitialStep(MaxLrs.Select(lr => lr / divFactor).ToArray());
    }

    /// <summary>Optimizer steps with the backbone frozen (0: none).</summary>
    public int FrozenSteps { get; private set; }

    /// <summary>Optimizer steps of the whole run.</summary>
    public int TotalSteps { get; private set; }

    public double[] FrozenMaxLrs { get; private set; }

    public double[] MaxLrs { get; private set; }

    public double PctStart { get; private set; }

    public double DivFactor { get; private set; }

    public double FinalDivFactor { get; private set; }

    private static void Validate(int frozenSteps, int totalSteps, double pctStart, double divFactor, double finalDivFactor)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "the schedule needs at least one step");
        if (frozenSteps < 0 || frozenSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(frozenSteps), frozenSteps, $"the frozen phase must be 0..{totalSteps} steps");
        if (!(pctStart >= 0 && pctStart < 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pctStart must be in [0, 1)");
        if (!(divFactor >= 1) || !(finalDivFactor >= 1))
            throw new ArgumentOutOfRangeException(nameof(divFactor), $"the div factors must be at least 1, got {divFactor} and {finalDivFactor}");
    }

    private static double[] PerGroup(IReadOnlyList<double> values, int groups, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Count != groups) throw new ArgumentException($"{values.Count} peak rates for {groups} parameter groups", name);
        if (values.Any(v => !(v > 0) || double.IsInfinity(v))) throw new ArgumentException($"peak rates must be positive and finite: [{string.Join(", ", values)}]", name);
        return [.. values];
    }

    protected override double[] ComputeLr(int epoch)
    {
        var frozen = epoch < FrozenSteps;
        var peaks = frozen ? FrozenMaxLrs : MaxLrs;
        var (position, length) = frozen ? (epoch, FrozenSteps) : (epoch - FrozenSteps, TotalSteps - FrozenSteps);
        return peaks.Select(peak => Cycle(peak, position, length)).ToArray();
    }

    // The rate at step `position` of a one-cycle `length` steps long: torch.optim.lr_scheduler.OneCycleLR's two
    // phases (cosine, no momentum cycling), the warmup ending at step pctStart·length − 1. Past the cycle, the end.
    private double Cycle(double peak, int position, int length)
    {
        var start = peak / DivFactor;
        var end = start / FinalDivFactor;
        var warmEnd = PctStart * length - 1;
        if (position <= warmEnd && warmEnd > 0) return Anneal(start, peak, position / warmEnd);
        return Anneal(peak, end, Math.Min(1, (position - warmEnd) / (length - 1 - warmEnd)));
    }

    private static double Anneal(double from, double to, double pct) => to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1);

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["frozen_steps"] = FrozenSteps;
        state["total_steps"] = TotalSteps;
        state["pct_start"] = PctStart;
        state["div_factor"] = DivFactor;
        state["final_div_factor"] = FinalDivFactor;
        state["frozen_max_lrs"] = new JsonArray([.. FrozenMaxLrs.Select(v => (JsonNode)JsonValue.Create(v))]);
        state["max_lrs"] = new JsonArray([.. MaxLrs.Select(v => (JsonNode)JsonValue.Create(v))]);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var groups = Optimizer.ParamGroups.Count;
        var frozen = state.Int("frozen_steps");
        var total = state.Int("total_steps");
        var pct = state.Double("pct_start");
        var div = state.Double("div_factor");
        var finalDiv = state.Double("final_div_factor");
        var frozenLrs = state.Doubles("frozen_max_lrs", groups);
        var lrs = state.Doubles("max_lrs", groups);
        state.Check(() =>
        {
            Validate(frozen, total, pct, div, finalDiv);
            PerGroup(frozenLrs, groups, "frozen_max_lrs");
            PerGroup(lrs, groups, "max_lrs");
        });
        return () =>
        {
            (FrozenSteps, TotalSteps, PctStart, DivFactor, FinalDivFactor) = (frozen, total, pct, div, finalDiv);
            (FrozenMaxLrs, MaxLrs) = (frozenLrs, lrs);
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"FineTuneSchedule(step {LastEpoch} of {TotalSteps}, {FrozenSteps} frozen, peaks [{string.Join(", ", MaxLrs.Select(l => l.ToString("G3", CultureInfo.InvariantCulture)))}])");
}
