using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Multiplies each group's learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps, as
/// <c>torch.optim.lr_scheduler.StepLR</c> (chainable: the current <c>lr</c> is multiplied at steps StepSize,
/// 2·StepSize, ...).
/// </summary>
public sealed class StepLR : LRScheduler
{
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        Validate(stepSize, gamma);
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    public int StepSize { get; private set; }

    public double Gamma { get; private set; }

    private static void Validate(int stepSize, double gamma)
    {
        SchedulerChecks.AtLeast(stepSize, 1, nameof(stepSize));
        SchedulerChecks.NonNegative(gamma, nameof(gamma));
    }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        if (epoch == 0 || epoch % StepSize != 0) return lrs;
        return lrs.Select(lr => lr * Gamma).ToArray();
    }

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["step_size"] = StepSize;
        state["gamma"] = StateJson.Number(Gamma);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var stepSize = state.Int("step_size");
        var gamma = state.Double("gamma");
        state.Check(() => Validate(stepSize, gamma));
        return () =>
        {
            StepSize = stepSize;
            Gamma = gamma;
        };
    }
}
