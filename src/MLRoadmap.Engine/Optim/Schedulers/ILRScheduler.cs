using System.Text.Json.Nodes;

namespace MLRoadmap.Optim.Schedulers;

/// <summary>
/// What every learning-rate scheduler has: its optimizer, a step count, the last learning rates, and a state dict.
/// Stepping differs: <see cref="LRScheduler.Step"/> advances a schedule, <see cref="ReduceLROnPlateau.Step(double)"/>
/// takes a metric (as in PyTorch 1.13, where ReduceLROnPlateau is no <c>_LRScheduler</c>).
/// </summary>
public interface ILRScheduler
{
    /// <summary>The optimizer whose groups' <c>lr</c> this scheduler sets.</summary>
    Optimizer Optimizer { get; }

    /// <summary>PyTorch's <c>last_epoch</c>: the number of steps taken (0 after construction).</summary>
    int LastEpoch { get; }

    /// <summary>The learning rate of each parameter group after the last step (or construction).</summary>
    IReadOnlyList<double> GetLastLr();

    /// <summary>Everything needed to continue exactly, as JSON with a "type" key naming the scheduler. It includes
    /// the groups' learning rates (and what else of the optimizer's groups the scheduler reads), so loading it
    /// continues the schedule even into a fresh optimizer; loading the optimizer's state dict as well, before or
    /// after, gives the same.</summary>
    JsonObject StateDict();

    /// <summary>Restores <see cref="StateDict"/>'s result, hyperparameters included (as PyTorch does). Refuses, with
    /// an <see cref="ArgumentException"/> naming the key and changing nothing, the state of another scheduler, a
    /// missing or ill-typed key, a value the constructor would refuse, or another number of parameter groups.</summary>
    void LoadStateDict(JsonObject state);
}
