using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Cosine annealing from each group's base learning rate to <see cref="EtaMin"/> over <see cref="TMax"/> steps, as
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>, in PyTorch's recursive form: step t multiplies
/// (lr − eta_min) by (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)). Past <see cref="TMax"/> the schedule is not held at
/// eta_min: it rises again along the cosine (back to the base rate at 2·TMax), as PyTorch's does.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        Validate(tMax, etaMin);
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    public int TMax { get; private set; }

    public double EtaMin { get; private set; }

    private static void Validate(int tMax, double etaMin)
    {
        SchedulerChecks.AtLeast(tMax, 1, nameof(tMax));
        SchedulerChecks.NonNegative(etaMin, nameof(etaMin));
    }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        if (epoch == 0) return lrs;
        // PyTorch's branch for a first step with last_epoch > 0 (a scheduler made with last_epoch >= 0) has no
        // counterpart: resuming goes through LoadStateDict.
        for (var g = 0; g < lrs.Length; g++) lrs[g] = Recursive(lrs[g], BaseLrs[g], EtaMin, epoch, TMax);
        return lrs;
    }

    /// <summary>Step <paramref name="t"/> (≥ 1) of the recursion from the rate <paramref name="lr"/> of step t − 1,
    /// with PyTorch's operations in PyTorch's order.</summary>
    internal static double Recursive(double lr, double baseLr, double etaMin, int t, int tMax)
    {
        // At t − 1 = T_max (mod 2·T_max) the ratio's denominator is 0: PyTorch adds the rise from the minimum instead.
        if (((long)t - 1 - tMax) % (2L * tMax) == 0)
            return lr + (baseLr - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2;
        return (1 + Math.Cos(Math.PI * t / tMax)) / (1 + Math.Cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin) + etaMin;
    }

    /// <summary>PyTorch's closed form at step <paramref name="t"/>.</summary>
    internal static double ClosedForm(double baseLr, double etaMin, int t, int tMax) =>
        etaMin + (baseLr - etaMin) * (1 + Math.Cos(Math.PI * t / tMax)) / 2;

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["t_max"] = TMax;
        state["eta_min"] = StateJson.Number(EtaMin);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var tMax = state.Int("t_max");
        var etaMin = state.Double("eta_min");
        state.Check(() => Validate(tMax, etaMin));
        return () =>
        {
            TMax = tMax;
            EtaMin = etaMin;
        };
    }
}
