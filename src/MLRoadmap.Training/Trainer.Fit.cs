using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training.Callbacks;

namespace MLRoadmap.Training;

public sealed partial class Trainer : IStepContext
{
    private readonly List<OptimizerConfig> _optimizers = [];
    private readonly EpochLog _trainLog = new();
    private readonly EpochLog _evalLog = new();
    private readonly HashSet<string> _progressBarNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _stepValues = new(StringComparer.Ordinal);
    private readonly HashSet<Optimizer> _stepped = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Optimizer> _skipped = new(ReferenceEqualityComparer.Instance);
    private int[] _schedulerCounts = [];
    private GradScaler? _scaler;
    private TrainingModule? _module;
    private DataLoader? _trainLoader;
    private RngSnapshot? _pendingRng;
    private bool _atBoundary;
    private bool _epochComplete;
    private long _batchSize;

    /// <summary>Whether a loss since the last optimizer step was NaN or infinite (read by <see cref="NonFiniteGuard"/>).</summary>
    public bool WindowLossNonFinite { get; private set; }

    /// <summary>The loss of the last training batch (NaN if the step returned none).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Whether fp16 loss scaling is on (overflowing steps are skipped, not fatal).</summary>
    public bool UsesLossScaling => _scaler is not null;

    /// <summary>How messages that don't stop the run (a corrupt checkpoint passed over) are reported.</summary>
    public Action<string> Warn { get; set; } = message => Console.Error.WriteLine("warning: " + message);

    /// <summary>
    /// Trains <paramref name="module"/> on <paramref name="train"/>, validating on <paramref name="val"/> after each
    /// epoch. <paramref name="resumeFrom"/>: a checkpoint directory, a checkpoints directory or a run directory (its
    /// newest valid checkpoint is used; corrupt newer ones are reported and passed over); training continues exactly
    /// where the checkpoint was taken.
    /// </summary>
    public FitResult Fit(TrainingModule module, DataLoader train, DataLoader? val = null, string? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(train);
        if (_module is not null) throw new InvalidOperationException("this trainer is already running a fit");
        _stopReason = null;
        _interrupted = false;
        Begin(module);
        _trainLoader = train;
        try
        {
            Configure(module, train);
            using var checkpoint = resumeFrom is null ? null : ResolveResume(resumeFrom);
            if (checkpoint is not null) Restore(checkpoint, module, train);
            else StartFresh();
            Dispatch(Hook.FitStart, module);
            if (_pendingRng is not null) Torch.SetRngSnapshot(_pendingRng);
            _pendingRng = null;
            var status = RunEpochs(module, train, val);
            Dispatch(Hook.FitEnd, module);
            var ckpt = _callbacks.OfType<ModelCheckpoint>().FirstOrDefault();
            return new FitResult(status, CurrentEpoch, GlobalStep, new Dictionary<string, double>(_callbackMetrics),
                LastCheckpoint, ckpt?.Best, _stopReason);
        }
        catch (Exception e)
        {
            foreach (var c in _callbacks)
            {
                try
                {
                    c.OnException(this, module, e);
                }
                catch (Exception inner) when (inner is not OutOfMemoryException)
                {
                    Warn($"callback {c.StateKey} failed while handling an error: {inner.Message}");
                }
            }
            throw;
        }
        finally
        {
            foreach (var o in _optimizers) o.Optimizer.Dispose();
            _optimizers.Clear();
            _scaler?.Dispose();
            _scaler = null;
            _trainLoader = null;
            End(module);
        }
    }

    private (bool Deterministic, bool Tf32Matmul, bool Tf32Cudnn, bool CudnnBenchmark) _previousBackends;

    private void Begin(TrainingModule module)
    {
        _module = module;
        module.Trainer = this;
        module.Attach(this);
        // Process-wide switches: set for the run, given back at its end.
        _previousBackends = (Torch.Backends.DeterministicAlgorithms, Torch.Backends.AllowTF32Matmul,
            Torch.Backends.AllowTF32Cudnn, Torch.Backends.CudnnBenchmark);
        if (Options.Deterministic) Torch.Backends.DeterministicAlgorithms = true;
        Torch.Backends.AllowTF32Matmul = Torch.Backends.AllowTF32Cudnn = Options.Tf32;
        Torch.Backends.CudnnBenchmark = Options.CudnnBenchmark && !Options.Deterministic;
        module.To(Device);
        if (Options.ChannelsLast) module.To(MemoryFormat.ChannelsLast);
        module.Device = Device;
    }

    private void End(TrainingModule module)
    {
        (Torch.Backends.DeterministicAlgorithms, Torch.Backends.AllowTF32Matmul, Torch.Backends.AllowTF32Cudnn,
            Torch.Backends.CudnnBenchmark) = _previousBackends;
        module.Attach(null);
        module.Trainer = null;
        _module = null;
        Stage = RunStage.Idle;
    }

    private void Configure(TrainingModule module, DataLoader train)
    {
        if (Options.Precision == Precision.Float16Mixed && Device.Type != DeviceType.CUDA)
            throw new InvalidOperationException($"fp16 mixed precision needs a CUDA device (this run is on {Device}); use bf16 mixed precision on the CPU");
        TrainBatches = Math.Min(train.Length, Options.LimitTrainBatches ?? int.MaxValue);
        if (TrainBatches == 0)
            throw new InvalidOperationException("the training DataLoader yields no batch per epoch (an empty dataset, or fewer examples than a batch with DropLast)");
        // Known before ConfigureOptimizers, so a schedule can span the run (EstimatedTotalSteps).
        var configs = module.ConfigureOptimizers() ?? throw new InvalidOperationException($"{module.GetType().Name}.ConfigureOptimizers returned null");
        if (configs.Count == 0) throw new InvalidOperationException($"{module.GetType().Name}.ConfigureOptimizers returned no optimizer");
        for (var i = 0; i < configs.Count; i++) configs[i].Validate(i);
        if (module.AutomaticOptimization && configs.Select(c => c.Optimizer).Distinct(ReferenceEqualityComparer.Instance).Count() > 1)
            throw new InvalidOperationException("automatic optimization steps one optimizer; with several, set AutomaticOptimization => false and step them in TrainingStep");
        _optimizers.AddRange(configs);
        _schedulerCounts = new int[configs.Count];
        if (Options.Precision == Precision.Float16Mixed || Options.ForceLossScaling) _scaler = new GradScaler(Device, Options.GradScaler);
    }

    private void StartFresh()
    {
        if (Options.Seed is { } seed) Torch.ManualSeed(seed);
        CurrentEpoch = 0;
        GlobalStep = 0;
        BatchInEpoch = 0;
        History.Load([]);
        _trainLog.Clear();
        _callbackMetrics.Clear();
    }

    private FitStatus RunEpochs(TrainingModule module, DataLoader train, DataLoader? val)
    {
        while (true)
        {
            if (CurrentEpoch >= Options.MaxEpochs) return FitStatus.Completed;
            if (MaxStepsReached) return FitStatus.Completed;
            if (BatchInEpoch == 0) train.SetEpoch(CurrentEpoch);
            _extraEpochValues.Clear();
            Stage = RunStage.Training;
            module.Train();
            Dispatch(Hook.TrainEpochStart, module);
            RunTrainBatches(module, train);
            if (BatchInEpoch < TrainBatches)
            {
                // Stopped inside the epoch: a max-steps limit or a stop request. No validation of a partial epoch.
                if (_interrupted) SaveInterruptCheckpoint();
                return _interrupted ? FitStatus.Interrupted : MaxStepsReached ? FitStatus.Completed : FitStatus.Stopped;
            }
            EndEpoch(module, val);
            CurrentEpoch++;
            BatchInEpoch = 0;
            if (_interrupted)
            {
                SaveInterruptCheckpoint();   // nothing new if the epoch-end checkpoint already holds this step
                return FitStatus.Interrupted;
            }
            if (ShouldStop) return MaxStepsReached ? FitStatus.Completed : FitStatus.Stopped;
        }
    }

    private bool MaxStepsReached => Options.MaxSteps > 0 && GlobalStep >= Options.MaxSteps;

    private void RunTrainBatches(TrainingModule module, DataLoader train)
    {
        using var batches = train.GetEnumerator();
        while (BatchInEpoch < TrainBatches && batches.MoveNext())
        {
            var batchIndex = BatchInEpoch;
            var boundary = (batchIndex + 1) % Options.AccumulateGradBatches == 0 || batchIndex + 1 == TrainBatches;
            _stepValues.Clear();
            Dispatch(Hook.TrainBatchStart, module, batchIndex);
            double loss;
            using (Torch.NewDisposeScope()) loss = TrainStep(module, batches.Current, batchIndex, boundary);
            LastLoss = loss;
            BatchInEpoch = batchIndex + 1;
            if (boundary)
            {
                GlobalStep++;
                if (GlobalStep % Options.LogEveryNSteps == 0) History.Add("step", CurrentEpoch, GlobalStep, _stepValues);
            }
            Dispatch(Hook.TrainBatchEnd, module, batchIndex, loss);
            if (boundary)
            {
                WindowLossNonFinite = false;
                if (MaxStepsReached) RequestStop($"reached MaxSteps ({Options.MaxSteps})");
                if (ShouldStop) return;
            }
        }
    }

    private double TrainStep(TrainingModule module, Batch batch, int batchIndex, bool boundary)
    {
        _atBoundary = boundary;
        _batchSize = batch.Size;
        using var onDevice = PrepareBatch(batch);
        Tensor? loss;
        using (AutocastScope()) loss = module.TrainingStep(onDevice ?? batch, batchIndex);
        double value;
        if (module.AutomaticOptimization)
        {
            if (loss is null)
                throw new InvalidOperationException($"{module.GetType().Name}.TrainingStep returned null under automatic optimization; " +
                                                    "return the loss, or set AutomaticOptimization => false and step the optimizers yourself");
            value = BackwardAndRead(loss, retainGraph: false);
            if (boundary)
                foreach (var config in _optimizers) OptimizerStep(module, config.Optimizer);
        }
        else
        {
            value = loss is null ? double.NaN : loss.Item<double>();
        }
        if (boundary) FinishOptimizerStep();
        return value;
    }

    // The batch as the step sees it: on the run's device (non-blocking from pinned memory), images in channels_last
    // when asked. Null when the loader's batch is already that; the caller disposes what it gets.
    private Batch? PrepareBatch(Batch batch)
    {
        var moved = Device.Type == DeviceType.CPU ? null : batch.To(Device, nonBlocking: true);
        if (!Options.ChannelsLast) return moved;
        using (moved) return (moved ?? batch).To(MemoryFormat.ChannelsLast);
    }

    private Autocast? AutocastScope() => Options.Precision switch
    {
        Precision.BFloat16Mixed => Autocast.Enable(Device.Type, ScalarType.BFloat16),
        Precision.Float16Mixed => Autocast.Enable(Device.Type, ScalarType.Float16),
        _ => null,
    };

    // Backward with scaling and accumulation; reads the loss to the host (the one sync per step, which the progress
    // display and the non-finite check both need).
    private double BackwardAndRead(Tensor loss, bool retainGraph)
    {
        var value = loss.Item<double>();
        if (!double.IsFinite(value)) WindowLossNonFinite = true;
        using var scope = Torch.NewDisposeScope();
        var scaled = _scaler is null ? loss : _scaler.ScaleLoss(loss);
        if (Options.AccumulateGradBatches > 1) scaled = scaled / Options.AccumulateGradBatches;
        scaled.Backward(retainGraph: retainGraph);
        return value;
    }

    private void OptimizerStep(TrainingModule module, Optimizer optimizer)
    {
        _scaler?.Unscale(optimizer);
        if (Options.GradientClipValue is { } clip)
        {
            var parameters = optimizer.ParamGroups.SelectMany(g => g.Parameters).Where(p => p.Grad is not null).ToList();
            if (Options.GradientClipAlgorithm == GradientClipAlgorithm.Norm)
            {
                using var norm = Utils.ClipGradNorm_(parameters, clip);
            }
            else
            {
                Utils.ClipGradValue_(parameters, clip);
            }
        }
        Dispatch(Hook.BeforeOptimizerStep, module, optimizer: optimizer);
        var stepped = true;
        if (_scaler is null) optimizer.Step();
        else stepped = _scaler.Step(optimizer);
        if (stepped) _stepped.Add(optimizer);
        else _skipped.Add(optimizer);
        optimizer.ZeroGrad();
    }

    private void FinishOptimizerStep()
    {
        _scaler?.Update();
        for (var i = 0; i < _optimizers.Count; i++)
        {
            var config = _optimizers[i];
            // A skipped (overflowed fp16) step is not a step: its scheduler must not advance either.
            if (config.Scheduler is null || config.Interval != StepInterval.Step || !_stepped.Contains(config.Optimizer)) continue;
            if (++_schedulerCounts[i] % config.Frequency == 0) StepScheduler(config);
        }
        _stepped.Clear();
        _skipped.Clear();
    }

    private void StepScheduler(OptimizerConfig config)
    {
        switch (config.Scheduler)
        {
            case LRScheduler s:
                s.Step();
                break;
            case ReduceLROnPlateau p:
                if (!_callbackMetrics.TryGetValue(config.Monitor!, out var value))
                    throw new InvalidOperationException($"ReduceLROnPlateau monitors '{config.Monitor}', which was not logged; logged: " +
                                                        (_callbackMetrics.Count == 0 ? "nothing" : string.Join(", ", _callbackMetrics.Keys.Order(StringComparer.Ordinal))));
                p.Step(value);
                break;
        }
    }

    private void EndEpoch(TrainingModule module, DataLoader? val)
    {
        var trainValues = _trainLog.Complete();
        foreach (var (k, v) in trainValues) _callbackMetrics[k] = v;
        var row = new Dictionary<string, double>(trainValues, StringComparer.Ordinal);
        if (val is not null && module.HasValidationStep && Options.LimitValBatches != 0 && (CurrentEpoch + 1) % Options.CheckValEveryNEpochs == 0)
            foreach (var (k, v) in RunEvaluation(module, val, RunStage.Validating, Options.LimitValBatches)) row[k] = v;
        for (var i = 0; i < _optimizers.Count; i++)
        {
            var config = _optimizers[i];
            if (config.Scheduler is null || config.Interval != StepInterval.Epoch) continue;
            if (++_schedulerCounts[i] % config.Frequency == 0) StepScheduler(config);
        }
        foreach (var (k, v) in _extraEpochValues) row[k] = v;
        History.Add("epoch", CurrentEpoch, GlobalStep, row);
        _epochComplete = true;
        try
        {
            Dispatch(Hook.TrainEpochEnd, module);
        }
        finally
        {
            _epochComplete = false;
        }
    }

    private readonly Dictionary<string, double> _extraEpochValues = new(StringComparer.Ordinal);

    /// <summary>Records a value computed by a callback (a learning rate, a timing) in the current step and epoch rows
    /// and in <see cref="CallbackMetrics"/>.</summary>
    public void LogValue(string name, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _callbackMetrics[name] = value;
        _stepValues[name] = value;
        _extraEpochValues[name] = value;
    }

    // ---- IStepContext: what a running step can ask for ------------------------------------------------------

    IReadOnlyList<Optimizer> IStepContext.Optimizers => [.. _optimizers.Select(o => o.Optimizer).Distinct(ReferenceEqualityComparer.Instance).Cast<Optimizer>()];

    void IStepContext.Log(string name, double value, bool progressBar)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (progressBar) _progressBarNames.Add(name);
        if (Stage == RunStage.Training)
        {
            _trainLog.Add(name, value, _batchSize, progressBar);
            _stepValues[name] = value;
            _callbackMetrics[name] = value;
        }
        else
        {
            _evalLog.Add(name, value, _batchSize, progressBar);
        }
    }

    void IStepContext.LogMetric(string name, Metric metric, bool progressBar)
    {
        if (progressBar) _progressBarNames.Add(name);
        (Stage == RunStage.Training ? _trainLog : _evalLog).AddMetric(name, metric, progressBar);
    }

    void IStepContext.Backward(Tensor loss, bool retainGraph)
    {
        if (Stage != RunStage.Training) throw new InvalidOperationException("ManualBackward is for training steps");
        BackwardAndRead(loss, retainGraph);
    }

    void IStepContext.Step(Optimizer optimizer)
    {
        if (Stage != RunStage.Training) throw new InvalidOperationException("ManualStep is for training steps");
        if (_module is null || _module.AutomaticOptimization)
            throw new InvalidOperationException("ManualStep is for AutomaticOptimization => false; the trainer steps the optimizer itself otherwise");
        if (!_optimizers.Any(o => ReferenceEquals(o.Optimizer, optimizer)))
            throw new ArgumentException("this optimizer is not one of ConfigureOptimizers' optimizers", nameof(optimizer));
        if (_atBoundary) OptimizerStep(_module, optimizer);   // inside an accumulation window the gradients keep adding up
    }
}
