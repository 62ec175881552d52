using System.Text.Json.Nodes;
using MLRoadmap.Optim;

namespace MLRoadmap.Training;

/// <summary>The points in a run where the trainer calls out, in the order they happen.</summary>
public enum Hook
{
    FitStart,
    TrainEpochStart,
    TrainBatchStart,
    BeforeOptimizerStep,
    TrainBatchEnd,
    ValidationStart,
    ValidationEnd,
    TrainEpochEnd,
    FitEnd,
    Exception,
}

/// <summary>
/// Code that runs at the trainer's hooks: checkpointing, early stopping, logging, progress. All hooks are called from
/// one dispatcher (the training module's own hook first, then each callback in the order given). A callback with
/// state returns it from <see cref="StateDict"/>; the trainer stores it in checkpoints under <see cref="StateKey"/> and
/// hands it back on resume.
/// </summary>
public abstract class Callback
{
    /// <summary>The key of this callback's state in a checkpoint; unique among a trainer's callbacks.</summary>
    public virtual string StateKey => GetType().Name;

    public virtual void OnFitStart(Trainer trainer, TrainingModule model) { }
    public virtual void OnTrainEpochStart(Trainer trainer, TrainingModule model) { }
    public virtual void OnTrainBatchStart(Trainer trainer, TrainingModule model, int batchIndex) { }

    /// <summary>Before each optimizer step, after unscaling and clipping: the gradients are final.</summary>
    public virtual void OnBeforeOptimizerStep(Trainer trainer, TrainingModule model, Optimizer optimizer) { }

    /// <summary>After a batch; <paramref name="loss"/> is the step's loss (NaN when the step returned none).</summary>
    public virtual void OnTrainBatchEnd(Trainer trainer, TrainingModule model, int batchIndex, double loss) { }

    public virtual void OnValidationStart(Trainer trainer, TrainingModule model) { }

    /// <summary>After validation; the epoch's validation values are in <see cref="Trainer.CallbackMetrics"/>.</summary>
    public virtual void OnValidationEnd(Trainer trainer, TrainingModule model) { }

    /// <summary>After the epoch's training, validation and epoch-interval schedulers.</summary>
    public virtual void OnTrainEpochEnd(Trainer trainer, TrainingModule model) { }

    public virtual void OnFitEnd(Trainer trainer, TrainingModule model) { }

    /// <summary>The run is failing with <paramref name="exception"/> (rethrown after every callback saw it).</summary>
    public virtual void OnException(Trainer trainer, TrainingModule model, Exception exception) { }

    /// <summary>State to checkpoint, or null for none.</summary>
    public virtual JsonObject? StateDict() => null;

    public virtual void LoadStateDict(JsonObject state) { }
}
