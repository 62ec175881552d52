using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Optim;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Training;

/// <summary>How a <see cref="Trainer.Fit"/> call ended.</summary>
public enum FitStatus
{
    /// <summary>MaxEpochs or MaxSteps was reached.</summary>
    Completed,

    /// <summary>A callback (early stopping) asked to stop.</summary>
    Stopped,

    /// <summary><see cref="Trainer.RequestStop"/> (Ctrl-C) interrupted it; a checkpoint was written if it could be.</summary>
    Interrupted,
}

/// <summary>The outcome of a fit: why it ended, where, and the last values logged.</summary>
public sealed record FitResult(FitStatus Status, int Epoch, long GlobalStep, IReadOnlyDictionary<string, double> Metrics,
    CheckpointInfo? LastCheckpoint, CheckpointInfo? BestCheckpoint, string? StopReason);

/// <summary>
/// The training loop (Lightning's Trainer): it runs a <see cref="TrainingModule"/>'s steps over
/// <see cref="DataLoader"/>s on a device, with precision, gradient accumulation and clipping, schedulers, callbacks
/// and checkpoints, and resumes a checkpoint exactly where it was taken.
/// </summary>
/// <remarks>
/// <para>Each training, validation and prediction step runs in its own dispose scope, so nothing a step allocates
/// outlives it. The trainer owns the optimizers that <see cref="TrainingModule.ConfigureOptimizers"/> returns and
/// frees them when <see cref="Fit"/> returns.</para>
/// <para>Every hook goes through one dispatcher (<see cref="Dispatch"/>): the module's hook, then each callback's,
/// in order.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The scaler and the optimizers live for one Fit call, which frees them in its finally block.")]
public sealed partial class Trainer
{
    private readonly List<Callback> _callbacks;
    private readonly Dictionary<string, double> _callbackMetrics = new(StringComparer.Ordinal);
    private volatile string? _stopReason;
    private volatile bool _interrupted;

    public Trainer(TrainerOptions? options = null, IEnumerable<Callback>? callbacks = null)
    {
        Options = options ?? new TrainerOptions();
        Options.Validate();
        _callbacks = [.. callbacks ?? []];
        if (Options.DetectNonFinite && !_callbacks.OfType<NonFiniteGuard>().Any()) _callbacks.Add(new NonFiniteGuard());
        if (Options.RunDirectory is { } run)
        {
            if (Options.EnableCheckpointing && !_callbacks.OfType<ModelCheckpoint>().Any())
                _callbacks.Add(new ModelCheckpoint(Path.Combine(run, "checkpoints")));
            if (!_callbacks.OfType<RunLogger>().Any()) _callbacks.Add(new RunLogger(run));
        }
        var duplicate = _callbacks.GroupBy(c => c.StateKey, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"two callbacks share the state key '{duplicate.Key}'; give each a distinct StateKey");
        Device = Options.Device ?? Device.Auto;
    }

    public TrainerOptions Options { get; }

    public IReadOnlyList<Callback> Callbacks => _callbacks;

    /// <summary>The device the run uses (Options.Device, or the automatic choice).</summary>
    public Device Device { get; }

    /// <summary>The epoch in progress (0-based).</summary>
    public int CurrentEpoch { get; private set; }

    /// <summary>Optimizer steps taken: one per batch, or per accumulation window, however many optimizers ran.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Batches of <see cref="CurrentEpoch"/> already trained.</summary>
    public int BatchInEpoch { get; private set; }

    /// <summary>The latest value of everything logged: step values as they come, epoch values at epoch end.</summary>
    public IReadOnlyDictionary<string, double> CallbackMetrics => _callbackMetrics;

    /// <summary>Names logged with progressBar: true, for progress displays.</summary>
    public IReadOnlySet<string> ProgressBarMetrics => _progressBarNames;

    public MetricsHistory History { get; } = new();

    /// <summary>The run's optimizers (during a fit).</summary>
    public IReadOnlyList<Optimizer> Optimizers => _optimizers.Select(o => o.Optimizer).ToList();

    internal IReadOnlyList<OptimizerConfig> OptimizerConfigs => _optimizers;

    /// <summary>The effective configuration of the run, stored in every checkpoint (set by the CLI or a recipe).</summary>
    public JsonNode? Config { get; set; }

    /// <summary>Batches per training epoch in the current fit (after LimitTrainBatches).</summary>
    public int TrainBatches { get; private set; }

    /// <summary>The optimizer steps the whole fit will take (MaxEpochs of accumulation windows, capped by MaxSteps):
    /// what a one-cycle or cosine schedule in ConfigureOptimizers should span. Lightning's estimated_stepping_batches.</summary>
    public long EstimatedTotalSteps
    {
        get
        {
            var perEpoch = (TrainBatches + Options.AccumulateGradBatches - 1) / Options.AccumulateGradBatches;
            var byEpochs = Options.MaxEpochs >= int.MaxValue / 2 ? long.MaxValue : (long)perEpoch * Options.MaxEpochs;
            return Options.MaxSteps > 0 ? Math.Min(Options.MaxSteps, byEpochs) : byEpochs;
        }
    }

    /// <summary>The newest checkpoint written or resumed from in this process.</summary>
    public CheckpointInfo? LastCheckpoint { get; internal set; }

    /// <summary>What the trainer is doing now.</summary>
    public RunStage Stage { get; private set; } = RunStage.Idle;

    /// <summary>Asks a running fit to stop after the current step (thread-safe: a Ctrl-C handler may call it).
    /// <paramref name="interrupt"/>: the run is being interrupted, so a checkpoint is written before it ends.</summary>
    public void RequestStop(string reason, bool interrupt = false)
    {
        _interrupted |= interrupt;
        _stopReason ??= reason;
    }

    /// <summary>Why the run was asked to stop, or null.</summary>
    public string? StopReason => _stopReason;

    /// <summary>Whether a stop was requested.</summary>
    public bool ShouldStop => _stopReason is not null;

    /// <summary>Seeds libtorch's CPU and CUDA generators (model initialisation, dropout).</summary>
    public static void SeedEverything(ulong seed) => Torch.ManualSeed(seed);

    // ---- the one dispatcher --------------------------------------------------------------------------------

    private void Dispatch(Hook hook, TrainingModule module, int batchIndex = 0, double loss = double.NaN,
        Optimizer? optimizer = null, Exception? exception = null)
    {
        switch (hook)
        {
            case Hook.FitStart: module.OnFitStart(); break;
            case Hook.TrainEpochStart: module.OnTrainEpochStart(CurrentEpoch); break;
            case Hook.TrainEpochEnd: module.OnTrainEpochEnd(CurrentEpoch); break;
            case Hook.ValidationEnd: module.OnValidationEpochEnd(); break;
            case Hook.FitEnd: module.OnFitEnd(); break;
        }
        foreach (var c in _callbacks)
        {
            switch (hook)
            {
                case Hook.FitStart: c.OnFitStart(this, module); break;
                case Hook.TrainEpochStart: c.OnTrainEpochStart(this, module); break;
                case Hook.TrainBatchStart: c.OnTrainBatchStart(this, module, batchIndex); break;
                case Hook.BeforeOptimizerStep: c.OnBeforeOptimizerStep(this, module, optimizer!); break;
                case Hook.TrainBatchEnd: c.OnTrainBatchEnd(this, module, batchIndex, loss); break;
                case Hook.ValidationStart: c.OnValidationStart(this, module); break;
                case Hook.ValidationEnd: c.OnValidationEnd(this, module); break;
                case Hook.TrainEpochEnd: c.OnTrainEpochEnd(this, module); break;
                case Hook.FitEnd: c.OnFitEnd(this, module); break;
                case Hook.Exception: c.OnException(this, module, exception!); break;
                default: throw new ArgumentOutOfRangeException(nameof(hook), hook, "unknown hook");
            }
        }
    }
}

/// <summary>The trainer's current activity.</summary>
public enum RunStage
{
    Idle,
    Training,
    Validating,
    Testing,
    Predicting,
}
