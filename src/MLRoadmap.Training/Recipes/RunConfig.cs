namespace MLRoadmap.Training.Recipes;

/// <summary>
/// The settings every run has, whatever the recipe: the seed and the trainer, checkpoint, early-stopping and
/// optimizer sections. A recipe's config derives from <see cref="RunConfig{TData, TModel}"/>, adding its data and
/// model sections, and may change defaults in its constructor. Every setting is a property with a
/// <see cref="SettingAttribute"/>; <see cref="ConfigBinder"/> binds them from dotted snake_case keys.
/// </summary>
public abstract record RunConfig
{
    [Setting("0: every run is reproducible unless a seed is chosen (weights, dropout, shuffling all derive from it)")]
    public ulong Seed { get; init; }

    public TrainerSettings Trainer { get; init; } = new();

    public CheckpointSettings Checkpoint { get; init; } = new();

    public EarlyStoppingSettings EarlyStopping { get; init; } = new();

    public OptimSettings Optim { get; init; } = new();
}

/// <summary>A run configuration with a recipe's own data and model sections.</summary>
public abstract record RunConfig<TData, TModel> : RunConfig
    where TData : DataSettings, new()
    where TModel : class, new()
{
    public TData Data { get; init; } = new();

    public TModel Model { get; init; } = new();
}

/// <summary>The <c>trainer.*</c> keys: how the <see cref="Training.Trainer"/> runs (see <see cref="TrainerOptions"/>).</summary>
public sealed record TrainerSettings
{
    [Setting("10 epochs show a curve on small data; recipes set what they need", Min = 1)]
    public int MaxEpochs { get; init; } = 10;

    [Setting("null: epochs decide; a number stops at whichever limit comes first", Min = 1)]
    public long? MaxSteps { get; init; }

    [Setting("fp32 is exact and portable; mixed precision is a speed choice per device (fp16 needs CUDA)",
        OneOf = ["fp32", "bf16-mixed", "fp16-mixed"])]
    public string Precision { get; init; } = "fp32";

    [Setting("1: a step per batch; k sums k batches' gradients for a k-times larger effective batch", Min = 1)]
    public int AccumulateGradBatches { get; init; } = 1;

    [Setting("null: no clipping; small models on clean data rarely need it", Min = double.Epsilon, Expected = "a positive number or null")]
    public double? GradientClipVal { get; init; }

    [Setting("norm keeps the gradient's direction; value clamps each element", OneOf = ["norm", "value"])]
    public string GradientClipAlgorithm { get; init; } = "norm";

    [Setting("auto: the first CUDA device when there is one, else the CPU",
        Pattern = @"^(auto|cpu|cuda(:[0-9]+)?)$", Expected = "auto, cpu, cuda or cuda:N")]
    public string Device { get; init; } = "auto";

    [Setting("false: libtorch may pick faster non-deterministic CUDA kernels; CPU runs are deterministic either way")]
    public bool Deterministic { get; init; }

    [Setting("true: fp32 matmuls and convolutions on CUDA use TF32 tensor cores, several times faster at a 10-bit mantissa; false is IEEE fp32")]
    public bool Tf32 { get; init; } = true;

    [Setting("true: cuDNN times conv algorithms once per input shape and keeps the fastest (off when deterministic)")]
    public bool CudnnBenchmark { get; init; } = true;

    [Setting("false: NHWC weights and images only pay on CUDA convnets in bf16/fp16; true there")]
    public bool ChannelsLast { get; init; }

    [Setting("a metrics row every 50 steps keeps metrics files small and still shows the curve", Min = 1)]
    public int LogEveryNSteps { get; init; } = 50;

    [Setting("validate after every epoch: checkpoints and early stopping rank by validation values", Min = 1)]
    public int CheckValEveryNEpochs { get; init; } = 1;

    [Setting("null: every training batch; a number caps each epoch (smoke tests, quick looks)", Min = 1)]
    public int? LimitTrainBatches { get; init; }

    [Setting("null: every validation batch", Min = 0)]
    public int? LimitValBatches { get; init; }
}

/// <summary>The <c>checkpoint.*</c> keys (see <see cref="Callbacks.ModelCheckpoint"/>). The newest checkpoint is
/// always kept, so a run can be resumed.</summary>
public sealed record CheckpointSettings
{
    [Setting("null: only at epoch ends; a number also saves mid-epoch, bounding the work a crash loses", Min = 1)]
    public int? EveryNSteps { get; init; }

    [Setting("1: save at every epoch's end, where validation has just ranked the model", Min = 0)]
    public int EveryNEpochs { get; init; } = 1;

    [Setting("1: keep the best checkpoint by the recipe's monitored value (plus the newest); -1 keeps all", Min = -1)]
    public int SaveTopK { get; init; } = 1;
}

/// <summary>The <c>early_stopping.*</c> keys (see <see cref="Callbacks.EarlyStopping"/>), on the recipe's monitored value.</summary>
public sealed record EarlyStoppingSettings
{
    [Setting("null or 0: off, so a run trains the epochs asked for; n stops after n epochs without improvement", Min = 0)]
    public int? Patience { get; init; }

    [Setting("0: any improvement resets the patience", Min = 0)]
    public double MinDelta { get; init; }
}

/// <summary>The <c>optim.*</c> keys common to recipes.</summary>
public sealed record OptimSettings
{
    [Setting("1e-3: Adam's default, a safe start for small networks", Min = double.Epsilon, Expected = "a positive number")]
    public double Lr { get; init; } = 1e-3;

    [Setting("0.01: AdamW's default decoupled weight decay", Min = 0)]
    public double WeightDecay { get; init; } = 0.01;
}

/// <summary>The <c>data.*</c> keys every recipe has; a recipe's data section derives from it.</summary>
public record DataSettings
{
    [Setting("32: per-batch overhead is small next to the work, and small models still generalise well", Min = 1)]
    public int BatchSize { get; init; } = 32;

    [Setting("1 thread builds batches ahead of the step without competing much with libtorch's threads", Min = 0)]
    public int Workers { get; init; } = 1;

    [Setting("each recipe defaults it to where its data is installed (a Debian dataset package, mostly)")]
    public string? Path { get; init; }
}
