using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.NN;
using MLRoadmap.Optim;

namespace MLRoadmap.Training;

/// <summary>
/// A model together with how it trains (Lightning's LightningModule): its steps, its optimizers and schedulers, and
/// what it logs. The <see cref="Trainer"/> owns the loop, the device, precision, accumulation, clipping,
/// checkpoints and callbacks; a training module never writes a loop of its own.
/// </summary>
/// <remarks>
/// <para>Register the network as a child (<c>RegisterModule("net", ...)</c>) so its parameters, buffers and
/// state-dict keys belong to this module; checkpoints save <see cref="Module.StateDict"/> of the training module.</para>
/// <para>Every step runs inside a dispose scope that the trainer opens and closes: tensors made in a step are freed
/// when it ends, so a step never disposes its temporaries and must not keep them in fields.</para>
/// </remarks>
public abstract class TrainingModule : Module
{
    private readonly Dictionary<string, Metric> _metrics = new(StringComparer.Ordinal);
    private IStepContext? _context;

    /// <summary>The trainer running this module (null outside Fit/Validate/Test/Predict).</summary>
    public Trainer? Trainer { get; internal set; }

    /// <summary>The device the trainer moved this module to.</summary>
    public Device Device { get; internal set; } = Device.CPU;

    /// <summary>false: <see cref="TrainingStep"/> calls <see cref="ManualBackward"/> and <see cref="ManualStep"/> itself
    /// (several optimizers, a GAN). The trainer still counts one global step per batch (per accumulation window),
    /// and still applies accumulation, clipping and loss scaling.</summary>
    public virtual bool AutomaticOptimization => true;

    /// <summary>Builds the optimizers (and their schedulers) over this module's parameters. Called once per run, after
    /// the module is on its device.</summary>
    public abstract IReadOnlyList<OptimizerConfig> ConfigureOptimizers();

    /// <summary>One training batch. Automatic optimization: return the loss, the trainer does the rest. Manual: do the
    /// backward passes and steps, and return a loss to log or null.</summary>
    public abstract Tensor? TrainingStep(Batch batch, int batchIndex);

    /// <summary>One validation batch: update metrics and <see cref="Log(string, double, bool)"/> values.</summary>
    public virtual void ValidationStep(Batch batch, int batchIndex)
    {
    }

    /// <summary>One test batch; the validation step unless overridden.</summary>
    public virtual void TestStep(Batch batch, int batchIndex) => ValidationStep(batch, batchIndex);

    /// <summary>One prediction batch: the output to collect (it is copied out of the step's scope).</summary>
    public virtual Tensor PredictStep(Batch batch, int batchIndex) =>
        throw new NotSupportedException($"{GetType().Name} does not implement PredictStep");

    /// <summary>Whether <see cref="ValidationStep"/> does anything (the trainer skips validation otherwise).</summary>
    public virtual bool HasValidationStep => GetType().GetMethod(nameof(ValidationStep))!.DeclaringType != typeof(TrainingModule);

    /// <summary>Files that belong with the weights and are not tensors, by file name (a tokenizer.json, the class
    /// names): written into every checkpoint under <c>artifacts/</c>, checksummed like the weights, and handed back by
    /// <c>eval</c> and <c>predict</c> to <see cref="Recipes.IRecipe.ForCheckpoint"/>, so a trained model runs without
    /// the data it was trained on. None by default.</summary>
    public virtual IReadOnlyDictionary<string, byte[]> CheckpointArtifacts() => EmptyArtifacts;

    private static readonly IReadOnlyDictionary<string, byte[]> EmptyArtifacts = new Dictionary<string, byte[]>();

    // ---- hooks (called by the trainer's dispatcher, before the callbacks' hooks of the same name) ------------

    public virtual void OnFitStart() { }
    public virtual void OnTrainEpochStart(int epoch) { }
    public virtual void OnTrainEpochEnd(int epoch) { }
    public virtual void OnValidationEpochEnd() { }
    public virtual void OnFitEnd() { }

    // ---- metrics and logging -------------------------------------------------------------------------------

    /// <summary>Registers a streaming metric under the name it is logged by. Registered metrics are checkpointed (so a
    /// run resumed mid-epoch reports the same epoch value) and disposed with the module.</summary>
    protected T RegisterMetric<T>(string name, T metric) where T : Metric
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(metric);
        if (!_metrics.TryAdd(name, metric)) throw new ArgumentException($"a metric named '{name}' is already registered", nameof(name));
        return metric;
    }

    /// <summary>The registered metrics by name.</summary>
    public IReadOnlyDictionary<string, Metric> Metrics => _metrics;

    /// <summary>Logs a value. In training it is recorded per step (every LogEveryNSteps) and averaged over the epoch,
    /// weighted by batch size; in validation and test, averaged over the epoch.</summary>
    protected void Log(string name, double value, bool progressBar = false) => Context.Log(name, value, progressBar);

    /// <summary>Logs a scalar tensor (read to the host once, here).</summary>
    protected void Log(string name, Tensor value, bool progressBar = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Numel != 1) throw new ArgumentException($"'{name}': only one-element tensors can be logged, not shape [{string.Join(", ", value.Shape)}]", nameof(value));
        Context.Log(name, value.Item<double>(), progressBar);
    }

    /// <summary>Logs a registered metric: the trainer computes it at the end of the epoch, then resets it.</summary>
    protected void Log(string name, Metric metric, bool progressBar = false)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (!_metrics.TryGetValue(name, out var registered) || !ReferenceEquals(registered, metric))
            throw new InvalidOperationException($"metric '{name}' is logged but not registered under that name; call " +
                                                $"RegisterMetric(\"{name}\", metric) in the constructor so its state can be checkpointed");
        Context.LogMetric(name, metric, progressBar);
    }

    // ---- manual optimization -------------------------------------------------------------------------------

    /// <summary>The optimizers from <see cref="ConfigureOptimizers"/>, in order.</summary>
    protected IReadOnlyList<Optimizer> Optimizers() => Context.Optimizers;

    /// <summary>Backward with the trainer's loss scaling (fp16) and accumulation (the loss is divided by the
    /// number of accumulated batches).</summary>
    protected void ManualBackward(Tensor loss, bool retainGraph = false) => Context.Backward(loss, retainGraph);

    /// <summary>Steps one optimizer the way the trainer would: at the end of an accumulation window only; unscaled,
    /// clipped, skipped when fp16 gradients overflowed; then its gradients are zeroed.</summary>
    protected void ManualStep(Optimizer optimizer) => Context.Step(optimizer);

    private IStepContext Context => _context ?? throw new InvalidOperationException(
        "logging, ManualBackward and ManualStep work only inside a step run by a Trainer");

    internal void Attach(IStepContext? context) => _context = context;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var m in _metrics.Values) m.Dispose();
            _metrics.Clear();
        }
        base.Dispose(disposing);
    }
}

/// <summary>What a running step can ask of the trainer; implemented by the trainer's loops.</summary>
internal interface IStepContext
{
    IReadOnlyList<Optimizer> Optimizers { get; }
    void Log(string name, double value, bool progressBar);
    void LogMetric(string name, Metric metric, bool progressBar);
    void Backward(Tensor loss, bool retainGraph);
    void Step(Optimizer optimizer);
}
