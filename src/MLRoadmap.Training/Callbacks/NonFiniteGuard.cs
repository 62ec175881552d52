using MLRoadmap.Optim;

namespace MLRoadmap.Training.Callbacks;

/// <summary>The loss became NaN or infinite and training was stopped before the optimizer stepped on it.</summary>
public sealed class NonFiniteLossException(string message) : InvalidOperationException(message)
{
    public long GlobalStep { get; init; }
    public int Epoch { get; init; }
    public int BatchIndex { get; init; }
    public string? LastCheckpoint { get; init; }
}

/// <summary>
/// On by default (<see cref="TrainerOptions.DetectNonFinite"/>): before an optimizer steps, if any loss since the
/// previous step was NaN or infinite, the run stops with <see cref="NonFiniteLossException"/> naming the step and the
/// last good checkpoint, and the weights are left as they were. Under fp16 loss scaling an overflow is normal (the
/// scaler skips that step and lowers the scale), so there it stops only after <c>fp16Patience</c> such steps in a row.
/// </summary>
public sealed class NonFiniteGuard(int fp16Patience = 20) : Callback
{
    private int _consecutive;

    public override void OnBeforeOptimizerStep(Trainer trainer, TrainingModule model, Optimizer optimizer)
    {
        if (!trainer.WindowLossNonFinite)
        {
            _consecutive = 0;
            return;
        }
        if (trainer.UsesLossScaling && ++_consecutive <= fp16Patience) return;
        var step = trainer.GlobalStep + 1;
        var checkpoint = trainer.LastCheckpoint?.Path;
        var loss = trainer.LastLoss;
        throw new NonFiniteLossException(
            $"the loss became {(double.IsNaN(loss) ? "NaN" : double.IsFinite(loss) ? "NaN or infinite" : loss.ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
            $"at global step {step} (epoch {trainer.CurrentEpoch}, batch {trainer.BatchInEpoch}); training stopped before the optimizer stepped. " +
            (checkpoint is null ? "There is no checkpoint of this run yet." : $"The last good checkpoint is {checkpoint}.") +
            " Lower the learning rate, clip gradients (GradientClipValue), or check the data.")
        {
            GlobalStep = step,
            Epoch = trainer.CurrentEpoch,
            BatchIndex = trainer.BatchInEpoch,
            LastCheckpoint = checkpoint,
        };
    }
}
