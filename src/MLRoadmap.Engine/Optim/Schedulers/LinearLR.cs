using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Scales each group's learning rate by a factor going linearly from <see cref="StartFactor"/> (at construction) to
/// <see cref="EndFactor"/> (at step <see cref="TotalIters"/>, then held), as
/// <c>torch.optim.lr_scheduler.LinearLR</c>, in PyTorch's recursive form: step 0 multiplies the current lr by the
/// start factor, step t ≤ TotalIters by 1 + (end − start) / (TotalIters·start + (t − 1)·(end − start)).
/// </summary>
/// <remarks>A start factor of 0, which PyTorch accepts, is refused: its recursion divides by zero at step 1
/// (ZeroDivisionError in PyTorch 1.13), and could not leave 0 anyway. A small factor such as 1e-6 works.</remarks>
public sealed class LinearLR : LRScheduler
{
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5)
        : base(optimizer)
    {
        Validate(startFactor, endFactor, totalIters);
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        InitialStep();
    }

    public double StartFactor { get; private set; }

    public double EndFactor { get; private set; }

    public int TotalIters { get; private set; }

    internal static void Validate(double startFactor, double endFactor, int totalIters, string startName = "startFactor",
        string totalName = "totalIters")
    {
        SchedulerChecks.Between(startFactor, 0, 1, startName, minExclusive: true,
            why: "PyTorch's recursive form divides by zero at step 1 when it is 0; use a small factor such as 1e-6");
        SchedulerChecks.Between(endFactor, 0, 1, nameof(endFactor));
        SchedulerChecks.AtLeast(totalIters, 1, totalName);
    }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        for (var g = 0; g < lrs.Length; g++) lrs[g] = Recursive(lrs[g], StartFactor, EndFactor, TotalIters, epoch);
        return lrs;
    }

    /// <summary>Step <paramref name="t"/> of the recursion from the rate <paramref name="lr"/> of step t − 1 (at
    /// t = 0, from the rate before the scheduler), with PyTorch's operations in PyTorch's order.</summary>
    internal static double Recursive(double lr, double start, double end, int total, int t)
    {
        if (t == 0) return lr * start;
        if (t > total) return lr;
        return lr * (1.0 + (end - start) / (total * start + (t - 1) * (end - start)));
    }

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["start_factor"] = StateJson.Number(StartFactor);
        state["end_factor"] = StateJson.Number(EndFactor);
        state["total_iters"] = TotalIters;
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var start = state.Double("start_factor");
        var end = state.Double("end_factor");
        var total = state.Int("total_iters");
        state.Check(() => Validate(start, end, total));
        return () =>
        {
            StartFactor = start;
            EndFactor = end;
            TotalIters = total;
        };
    }
}
