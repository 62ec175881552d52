using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>Multiplies each group's learning rate by <see cref="Gamma"/> every step, as
/// <c>torch.optim.lr_scheduler.ExponentialLR</c>.</summary>
public sealed class ExponentialLR : LRScheduler
{
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer)
    {
        SchedulerChecks.NonNegative(gamma, nameof(gamma));
        Gamma = gamma;
        InitialStep();
    }

    public double Gamma { get; private set; }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        return epoch == 0 ? lrs : lrs.Select(lr => lr * Gamma).ToArray();
    }

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["gamma"] = StateJson.Number(Gamma);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var gamma = state.Double("gamma");
        state.Check(() => SchedulerChecks.NonNegative(gamma, "gamma"));
        return () => Gamma = gamma;
    }
}
