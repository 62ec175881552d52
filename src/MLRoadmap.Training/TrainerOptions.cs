namespace MLRoadmap.Training;

/// <summary>Numeric precision of the training step.</summary>
public enum Precision
{
    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>Autocast to bfloat16 (CPU and CUDA); float32 weights and optimizer. No loss scaling is needed:
    /// bfloat16 has float32's range.</summary>
    BFloat16Mixed,

    /// <summary>Autocast to float16 with dynamic loss scaling (CUDA only); overflowing steps are skipped.</summary>
    Float16Mixed,
}

/// <summary>How gradients are clipped before each optimizer step.</summary>
public enum GradientClipAlgorithm
{
    /// <summary>Scale all gradients of an optimizer so their total 2-norm is at most the clip value.</summary>
    Norm,

    /// <summary>Clamp every gradient element to ±the clip value.</summary>
    Value,
}

/// <summary>Dynamic loss scaling for fp16 (PyTorch's GradScaler defaults).</summary>
public sealed record GradScalerOptions
{
    /// <summary>2^16: large enough that small gradients survive fp16, and the first overflows halve it quickly.</summary>
    public double InitScale { get; init; } = 65536.0;

    /// <summary>Doubling after a clean run recovers from backoffs in a few intervals.</summary>
    public double GrowthFactor { get; init; } = 2.0;

    /// <summary>Halving on overflow converges on the largest safe scale in a few skipped steps.</summary>
    public double BackoffFactor { get; init; } = 0.5;

    /// <summary>2000 clean steps before growing: overflows are rare at a good scale, so growth should be too.</summary>
    public int GrowthInterval { get; init; } = 2000;
}

/// <summary>
/// How the <see cref="Trainer"/> runs. Every field has a default that suits a first run; a recipe's config sets the
/// ones it needs.
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>10 epochs: enough to see a curve on small data; set what the recipe needs.</summary>
    public int MaxEpochs { get; init; } = 10;

    /// <summary>No step limit (-1): epochs decide. When set, training stops at whichever limit comes first.</summary>
    public long MaxSteps { get; init; } = -1;

    /// <summary>null: CUDA when available, else the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>float32: exact and portable; mixed precision is a speed choice made per recipe and device.</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>1: a step per batch. k &gt; 1 sums k batches' gradients (each loss divided by k) before stepping.</summary>
    public int AccumulateGradBatches { get; init; } = 1;

    /// <summary>No clipping (null). Set a value to clip every optimizer's gradients before its step.</summary>
    public double? GradientClipValue { get; init; }

    /// <summary>By norm, which keeps the gradient's direction.</summary>
    public GradientClipAlgorithm GradientClipAlgorithm { get; init; } = GradientClipAlgorithm.Norm;

    /// <summary>Seeds the global generators at the start of a fresh (not resumed) run; null leaves them alone.
    /// Seed before building the model too (see <see cref="Trainer.SeedEverything"/>) for reproducible weights.</summary>
    public ulong? Seed { get; init; }

    /// <summary>false: libtorch may pick faster non-deterministic kernels (CUDA). true forces deterministic ones and
    /// fails on ops that have none. CPU training is deterministic either way.</summary>
    public bool Deterministic { get; init; }

    /// <summary>On: float32 matrix products and convolutions on CUDA use TF32 tensor cores (Ampere and later: a 10-bit
    /// mantissa, several times the fp32 rate), as the engine does from load unless MLROADMAP_TF32=0. Off gives IEEE
    /// float32. No effect on the CPU.</summary>
    public bool Tf32 { get; init; } = true;

    /// <summary>On: cuDNN times its convolution algorithms once per input shape and keeps the fastest (fixed-shape
    /// batches gain; every new shape costs a search). Off whenever <see cref="Deterministic"/> is on.</summary>
    public bool CudnnBenchmark { get; init; } = true;

    /// <summary>On: the model's 4-D weights and each batch's floating-point 4-D tensors (images) are laid out NHWC
    /// (<see cref="MemoryFormat.ChannelsLast"/>), which cuDNN's bf16/fp16 tensor-core convolutions run fastest on.
    /// Off by default: on the CPU, and for models that are not convolutional, it only adds copies.</summary>
    public bool ChannelsLast { get; init; }

    /// <summary>Where checkpoints, metrics.csv/jsonl and the summary go; null keeps the run in memory only.</summary>
    public string? RunDirectory { get; init; }

    /// <summary>50: a step row every 50 steps keeps metrics files small and still shows the curve's shape.</summary>
    public int LogEveryNSteps { get; init; } = 50;

    /// <summary>Validate after every epoch.</summary>
    public int CheckValEveryNEpochs { get; init; } = 1;

    /// <summary>null: use every training batch. A number caps each epoch (smoke tests, quick looks).</summary>
    public int? LimitTrainBatches { get; init; }

    /// <summary>null: use every validation batch.</summary>
    public int? LimitValBatches { get; init; }

    /// <summary>On: a NaN or infinite loss stops the run at once, naming the step and the last good checkpoint,
    /// instead of training on garbage (the NonFiniteGuard callback).</summary>
    public bool DetectNonFinite { get; init; } = true;

    /// <summary>Add a default ModelCheckpoint (the last checkpoint, at each epoch's end) when a run directory is set
    /// and no ModelCheckpoint callback is given.</summary>
    public bool EnableCheckpointing { get; init; } = true;

    public GradScalerOptions GradScaler { get; init; } = new();

    /// <summary>Loss scaling without fp16 autocast, so the scaler's skip logic can be tested on a CPU-only machine.</summary>
    internal bool ForceLossScaling { get; init; }

    internal void Validate()
    {
        static ArgumentException Bad(string name, string why) => new($"trainer option {name}: {why}");
        if (MaxEpochs < 1 && MaxSteps < 0) throw Bad(nameof(MaxEpochs), $"must be at least 1 (or set MaxSteps), not {MaxEpochs}");
        if (MaxSteps is 0 or < -1) throw Bad(nameof(MaxSteps), $"must be positive, or -1 for no limit, not {MaxSteps}");
        if (AccumulateGradBatches < 1) throw Bad(nameof(AccumulateGradBatches), $"must be at least 1, not {AccumulateGradBatches}");
        if (GradientClipValue is { } c && !(c > 0 && double.IsFinite(c))) throw Bad(nameof(GradientClipValue), $"must be a positive number, not {c}");
        if (LogEveryNSteps < 1) throw Bad(nameof(LogEveryNSteps), $"must be at least 1, not {LogEveryNSteps}");
        if (CheckValEveryNEpochs < 1) throw Bad(nameof(CheckValEveryNEpochs), $"must be at least 1, not {CheckValEveryNEpochs}");
        if (LimitTrainBatches is < 1) throw Bad(nameof(LimitTrainBatches), $"must be at least 1, not {LimitTrainBatches}");
        if (LimitValBatches is < 0) throw Bad(nameof(LimitValBatches), $"must be at least 0, not {LimitValBatches}");
        if (!(GradScaler.InitScale > 0) || !(GradScaler.GrowthFactor > 1) || !(GradScaler.BackoffFactor is > 0 and < 1) || GradScaler.GrowthInterval < 1)
            throw Bad(nameof(GradScaler), "needs InitScale > 0, GrowthFactor > 1, 0 < BackoffFactor < 1, GrowthInterval ≥ 1");
    }
}
