using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// Multiplies each group's learning rate by <see cref="Gamma"/> at each of the <see cref="Milestones"/> (step
/// counts), as <c>torch.optim.lr_scheduler.MultiStepLR</c>. PyTorch accepts repeated milestones (each repeat
/// multiplies once more); here they must be strictly increasing.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private int[] _milestones;

    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        var list = milestones.ToArray();
        Validate(list, gamma);
        _milestones = list;
        Gamma = gamma;
        InitialStep();
    }

    public IReadOnlyList<int> Milestones => Array.AsReadOnly(_milestones);

    public double Gamma { get; private set; }

    private static void Validate(int[] milestones, double gamma)
    {
        for (var i = 0; i < milestones.Length; i++)
        {
            if (milestones[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(milestones), milestones[i],
                    $"milestones[{i}] is {milestones[i]}; milestones are step counts >= 0");
            }
            if (i > 0 && milestones[i] <= milestones[i - 1])
                throw new ArgumentException($"milestones must be strictly increasing, but milestones[{i}] = {milestones[i]} " +
                                            $"follows {milestones[i - 1]}", nameof(milestones));
        }
        SchedulerChecks.NonNegative(gamma, nameof(gamma));
    }

    protected override double[] ComputeLr(int epoch)
    {
        var lrs = CurrentLrs();
        if (Array.BinarySearch(_milestones, epoch) < 0) return lrs;
        return lrs.Select(lr => lr * Gamma).ToArray();
    }

    protected override void WriteState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state["milestones"] = StateJson.Ints(_milestones);
        state["gamma"] = StateJson.Number(Gamma);
    }

    protected override Action ReadState(SchedulerStateReader state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var milestones = state.Ints("milestones");
        var gamma = state.Double("gamma");
        state.Check(() => Validate(milestones, gamma));
        return () =>
        {
            _milestones = milestones;
            Gamma = gamma;
        };
    }
}
