using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;

namespace MLRoadmap.Training;

/// <summary>When a scheduler steps: after every optimizer step, or after every epoch (after validation).</summary>
public enum StepInterval
{
    Step,
    Epoch,
}

/// <summary>An optimizer and, optionally, its learning-rate scheduler and how often the trainer steps it.</summary>
/// <param name="Optimizer">Owned by the trainer from now on: disposed when the run ends.</param>
/// <param name="Scheduler">An <see cref="LRScheduler"/>, or a <see cref="ReduceLROnPlateau"/> (which needs
/// <paramref name="Monitor"/>).</param>
/// <param name="Interval">Per optimizer step (warmup, one-cycle) or per epoch (step decay, plateau).</param>
/// <param name="Frequency">Step the scheduler every this many intervals.</param>
/// <param name="Monitor">The logged value a plateau scheduler reads, e.g. "val_loss".</param>
public sealed record OptimizerConfig(
    Optimizer Optimizer,
    ILRScheduler? Scheduler = null,
    StepInterval Interval = StepInterval.Step,
    int Frequency = 1,
    string? Monitor = null)
{
    public static implicit operator OptimizerConfig(Optimizer optimizer) => new(optimizer);

    internal void Validate(int index)
    {
        ArgumentNullException.ThrowIfNull(Optimizer, $"optimizer {index}");
        if (Scheduler is not null && !ReferenceEquals(Scheduler.Optimizer, Optimizer))
            throw new ArgumentException($"optimizer {index}: its scheduler drives another optimizer");
        if (Frequency < 1) throw new ArgumentException($"optimizer {index}: the scheduler frequency must be at least 1, not {Frequency}");
        switch (Scheduler)
        {
            case null:
            case LRScheduler:
                break;
            case ReduceLROnPlateau when string.IsNullOrEmpty(Monitor):
                throw new ArgumentException($"optimizer {index}: ReduceLROnPlateau needs Monitor (the logged value it watches, e.g. \"val_loss\")");
            case ReduceLROnPlateau:
                break;
            default:
                throw new ArgumentException($"optimizer {index}: {Scheduler.GetType().Name} is neither an LRScheduler nor ReduceLROnPlateau, so the trainer can't step it");
        }
    }

    /// <summary>An optimizer with several schedulers is several configs; this is the list form.</summary>
    public static IReadOnlyList<OptimizerConfig> One(Optimizer optimizer, ILRScheduler? scheduler = null,
        StepInterval interval = StepInterval.Step, string? monitor = null) => [new(optimizer, scheduler, interval, 1, monitor)];
}
