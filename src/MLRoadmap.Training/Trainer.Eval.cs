using MLRoadmap.Data;

namespace MLRoadmap.Training;

public sealed partial class Trainer
{
    /// <summary>Runs the module's validation step over <paramref name="loader"/> and returns the epoch values logged.
    /// <paramref name="checkpoint"/>: load these weights first (a checkpoint directory).</summary>
    public IReadOnlyDictionary<string, double> Validate(TrainingModule module, DataLoader loader, string? checkpoint = null) =>
        Evaluate(module, loader, checkpoint, RunStage.Validating);

    /// <summary>Runs the module's test step over <paramref name="loader"/> and returns the values logged.</summary>
    public IReadOnlyDictionary<string, double> Test(TrainingModule module, DataLoader loader, string? checkpoint = null) =>
        Evaluate(module, loader, checkpoint, RunStage.Testing);

    /// <summary>Runs the module's predict step over every batch of <paramref name="loader"/> and concatenates the outputs
    /// along the first dimension, on the CPU. The caller owns the result.</summary>
    public Tensor Predict(TrainingModule module, DataLoader loader, string? checkpoint = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(loader);
        if (_module is not null) throw new InvalidOperationException("this trainer is running a fit");
        Begin(module);
        var outputs = new List<Tensor>();
        try
        {
            if (checkpoint is not null) LoadWeights(module, checkpoint);
            Stage = RunStage.Predicting;
            module.Eval();
            loader.SetEpoch(0);
            using var noGrad = Torch.NoGrad();
            var i = 0;
            foreach (var batch in loader)
            {
                using var scope = Torch.NewDisposeScope();
                using var onDevice = PrepareBatch(batch);
                Tensor output;
                using (AutocastScope()) output = module.PredictStep(onDevice ?? batch, i++);
                outputs.Add(output.To(Device.CPU, copy: true).DetachFromDisposeScope());   // a copy: the output may alias the batch
            }
            if (outputs.Count == 0) throw new InvalidOperationException("the prediction DataLoader yielded no batch");
            using var all = Torch.NewDisposeScope();
            return Torch.Cat(outputs.ToArray(), 0).DetachFromDisposeScope();
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
            module.Train();
            End(module);
        }
    }

    private Dictionary<string, double> Evaluate(TrainingModule module, DataLoader loader, string? checkpoint, RunStage stage)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(loader);
        if (_module is not null) throw new InvalidOperationException("this trainer is running a fit");
        Begin(module);
        try
        {
            if (checkpoint is not null) LoadWeights(module, checkpoint);
            return RunEvaluation(module, loader, stage, limit: null);
        }
        finally
        {
            End(module);
        }
    }

    private void LoadWeights(TrainingModule module, string checkpoint)
    {
        using var ckpt = ResolveResume(checkpoint);
        module.LoadStateDict(ckpt.Model.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        LastCheckpoint = ckpt.Info;
    }

    // Validation and test share this loop: eval mode, no grad, a scope per batch, values averaged over the epoch.
    private Dictionary<string, double> RunEvaluation(TrainingModule module, DataLoader loader, RunStage stage, int? limit)
    {
        var previousStage = Stage;
        var wasTraining = module.IsTraining;
        Stage = stage;
        module.Eval();
        _evalLog.Clear();
        try
        {
            if (stage == RunStage.Validating) Dispatch(Hook.ValidationStart, module);
            // Evaluation always sees the same batches in the same order, whatever ran before.
            loader.SetEpoch(0);
            using (Torch.NoGrad())
            {
                var i = 0;
                foreach (var batch in loader)
                {
                    if (limit is { } l && i >= l) break;
                    using var scope = Torch.NewDisposeScope();
                    _batchSize = batch.Size;
                    using var onDevice = PrepareBatch(batch);
                    using (AutocastScope())
                    {
                        if (stage == RunStage.Testing) module.TestStep(onDevice ?? batch, i);
                        else module.ValidationStep(onDevice ?? batch, i);
                    }
                    i++;
                }
            }
            var values = _evalLog.Complete();
            foreach (var (k, v) in values) _callbackMetrics[k] = v;
            if (stage == RunStage.Validating) Dispatch(Hook.ValidationEnd, module);
            return values;
        }
        finally
        {
            module.Train(wasTraining);
            Stage = previousStage;
        }
    }
}
