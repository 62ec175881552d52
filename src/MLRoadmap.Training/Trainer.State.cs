using System.Globalization;
using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Training;

// Checkpoint contents: what is saved, and how a resumed run puts every piece back. The table of keys is in
// src/MLRoadmap.Training/README.md; keep the two in step.
public sealed partial class Trainer
{
    public const string TrainerStateFormat = "mlroadmap.trainer_state/1";

    /// <summary>Writes a checkpoint of the running fit to <paramref name="directory"/> (atomically). Called by
    /// <see cref="ModelCheckpoint"/>; may be called from a hook.</summary>
    public CheckpointInfo SaveCheckpoint(string directory, string reason, string? name = null, string? monitor = null, double? score = null)
    {
        var module = _module ?? throw new InvalidOperationException("SaveCheckpoint needs a running fit");
        if (Stage is not (RunStage.Training or RunStage.Validating))
            throw new InvalidOperationException("checkpoints are taken during a fit, between steps");
        using var scope = Torch.NewDisposeScope();
        using var model = module.StateDict();
        var state = new List<KeyValuePair<string, Tensor>>();
        var optimizerJson = new JsonArray();
        var stateDicts = new List<OptimizerStateDict>();
        try
        {
            for (var i = 0; i < _optimizers.Count; i++)
            {
                var sd = _optimizers[i].Optimizer.StateDict();
                stateDicts.Add(sd);
                state.AddRange(sd.Tensors(Prefix("optimizer", i)));
                optimizerJson.Add(JsonNode.Parse(sd.ToJson()));
            }
            var rng = Torch.GetRngSnapshot();
            state.Add(new("rng.cpu", Torch.Tensor(rng.Cpu)));
            for (var d = 0; d < rng.Cuda.Count; d++) state.Add(new($"rng.cuda.{d}", Torch.Tensor(rng.Cuda[d])));
            foreach (var (metricName, metric) in module.Metrics)
                foreach (var (key, t) in metric.StateDict())
                    state.Add(new($"metric.{metricName}.{key}", scope.Include(t)));

            var epochComplete = _epochComplete;
            var json = new JsonObject
            {
                ["format"] = TrainerStateFormat,
                ["epoch"] = CurrentEpoch,
                ["global_step"] = GlobalStep,
                ["batch_in_epoch"] = BatchInEpoch,
                ["epoch_complete"] = epochComplete,
                ["train_batches"] = TrainBatches,
                ["loader"] = LoaderJson(_trainLoader!),
                ["optimizers"] = optimizerJson,
                ["schedulers"] = SchedulersJson(),
                ["scaler"] = _scaler?.StateDict(),
                ["logged"] = _trainLog.StateDict(),
                ["callback_metrics"] = ToJson(_callbackMetrics),
                ["callbacks"] = CallbacksJson(),
                ["history"] = History.ToJson(),
                ["config"] = Config?.DeepClone(),
                ["options"] = OptionsJson(),
                ["versions"] = new JsonObject
                {
                    ["mlroadmap"] = typeof(Trainer).Assembly.GetName().Version?.ToString(),
                    ["torch"] = Torch.Version,
                },
            };
            var info = CheckpointStore.Write(directory, name ?? CheckpointStore.NameFor(CurrentEpoch, GlobalStep),
                new CheckpointData(model, state, json, CurrentEpoch, GlobalStep, reason, monitor, score, module.CheckpointArtifacts()));
            LastCheckpoint = info;
            return info;
        }
        finally
        {
            foreach (var sd in stateDicts) sd.Dispose();
        }
    }

    private static string Prefix(string what, int i) => string.Create(CultureInfo.InvariantCulture, $"{what}.{i}.");

    private static JsonObject LoaderJson(DataLoader loader)
    {
        var s = loader.State;
        return new JsonObject
        {
            ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),   // a ulong: JSON numbers lose bits past 2^53
            ["epoch"] = s.Epoch,
            ["position"] = s.Position,
            ["batch_size"] = loader.Options.BatchSize,
            ["length"] = loader.Length,
        };
    }

    private JsonArray SchedulersJson()
    {
        var list = new JsonArray();
        for (var i = 0; i < _optimizers.Count; i++)
        {
            var c = _optimizers[i];
            list.Add(new JsonObject
            {
                ["interval"] = c.Interval.ToString(),
                ["frequency"] = c.Frequency,
                ["count"] = _schedulerCounts[i],
                ["state"] = c.Scheduler?.StateDict(),
            });
        }
        return list;
    }

    private JsonObject CallbacksJson()
    {
        var o = new JsonObject();
        foreach (var c in _callbacks)
            if (c.StateDict() is { } s) o[c.StateKey] = s;
        return o;
    }

    private JsonObject OptionsJson() => new()
    {
        ["max_epochs"] = Options.MaxEpochs,
        ["max_steps"] = Options.MaxSteps,
        ["precision"] = Options.Precision.ToString(),
        ["accumulate_grad_batches"] = Options.AccumulateGradBatches,
        ["gradient_clip_value"] = Options.GradientClipValue,
        ["gradient_clip_algorithm"] = Options.GradientClipAlgorithm.ToString(),
        ["device"] = Device.ToString(),
    };

    private static JsonObject ToJson(IReadOnlyDictionary<string, double> values)
    {
        var o = new JsonObject();
        foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) o[k] = Json.Number(v);
        return o;
    }

    private void SaveInterruptCheckpoint()
    {
        if (LastCheckpoint is { } last && last.GlobalStep == GlobalStep && Directory.Exists(last.Path)) return;
        var writer = _callbacks.OfType<ModelCheckpoint>().FirstOrDefault();
        if (writer is null)
        {
            Warn("interrupted, but there is nowhere to write a checkpoint (no run directory and no ModelCheckpoint callback)");
            return;
        }
        writer.SaveNow(this, "interrupt");
    }

    // ---- resume --------------------------------------------------------------------------------------------

    /// <summary>A checkpoint directory, a directory of checkpoints, or a run directory (its checkpoints/).</summary>
    private Checkpoint ResolveResume(string path)
    {
        if (File.Exists(Path.Combine(path, CheckpointStore.ManifestFile))) return CheckpointStore.Load(path);
        var dir = Directory.Exists(Path.Combine(path, "checkpoints")) ? Path.Combine(path, "checkpoints") : path;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"nothing to resume from: {path} does not exist");
        return CheckpointStore.LoadNewest(dir, problem => Warn($"skipping a checkpoint: {problem}"));
    }

    private void Restore(Checkpoint ckpt, TrainingModule module, DataLoader train)
    {
        var s = ckpt.TrainerState;
        var where = ckpt.Info.Path;
        if ((string?)s["format"] != TrainerStateFormat)
            throw new CheckpointCorruptException($"{where}: trainer state format '{(string?)s["format"]}' is not '{TrainerStateFormat}'");
        try
        {
            module.LoadStateDict(ckpt.Model.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
            RestoreOptimizers(ckpt, s);
            if (s["scaler"] is JsonObject scaler)
            {
                if (_scaler is null) Warn($"{where} was written with fp16 loss scaling; this run does not scale, so its scaler state is ignored");
                else _scaler.LoadStateDict(scaler);
            }
            foreach (var (name, metric) in module.Metrics)
            {
                var prefix = $"metric.{name}.";
                var tensors = ckpt.State.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
                if (tensors.Count > 0) metric.LoadStateDict(tensors);
                else metric.Reset();
            }
            _trainLog.LoadStateDict((JsonObject)s["logged"]!, module.Metrics);
            _callbackMetrics.Clear();
            foreach (var (k, v) in (JsonObject)s["callback_metrics"]!) _callbackMetrics[k] = Json.ToDouble(v);
            var callbacks = (JsonObject)s["callbacks"]!;
            foreach (var c in _callbacks)
                if (callbacks[c.StateKey] is JsonObject cs) c.LoadStateDict(cs);
            History.Load((JsonArray)s["history"]!);
            RestoreLoop(s, train, where);
            var cpu = ckpt.State["rng.cpu"].ToArray<byte>();
            var cuda = new List<byte[]>();
            for (var d = 0; ckpt.State.Contains($"rng.cuda.{d}"); d++) cuda.Add(ckpt.State[$"rng.cuda.{d}"].ToArray<byte>());
            if (cuda.Count != Torch.Cuda.DeviceCount && (cuda.Count > 0 || Device.Type == DeviceType.CUDA))
                Warn($"{where} saved {cuda.Count} CUDA generator state(s) but this machine has {Torch.Cuda.DeviceCount} device(s); CUDA random streams will differ");
            _pendingRng = new RngSnapshot(cpu, cuda.Count == Torch.Cuda.DeviceCount ? cuda : []);
            LastCheckpoint = ckpt.Info;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or NullReferenceException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException($"can't resume from {where}: {e.Message}", e);
        }
    }

    private void RestoreOptimizers(Checkpoint ckpt, JsonObject s)
    {
        var optimizers = (JsonArray)s["optimizers"]!;
        if (optimizers.Count != _optimizers.Count)
            throw new InvalidOperationException($"the checkpoint has {optimizers.Count} optimizer(s) but ConfigureOptimizers returned {_optimizers.Count}");
        var schedulers = (JsonArray)s["schedulers"]!;
        for (var i = 0; i < _optimizers.Count; i++)
        {
            using (var sd = OptimizerStateDict.FromTensors(ckpt.State.Tensors, optimizers[i]!.ToJsonString(), Prefix("optimizer", i)))
                _optimizers[i].Optimizer.LoadStateDict(sd);
            var saved = (JsonObject)schedulers[i]!;
            _schedulerCounts[i] = (int)saved["count"]!;
            var state = saved["state"] as JsonObject;
            switch (_optimizers[i].Scheduler)
            {
                case null when state is null:
                    break;
                case null:
                    throw new InvalidOperationException($"the checkpoint has a scheduler for optimizer {i}, but this run configures none");
                case { } sch when state is not null:
                    sch.LoadStateDict(state);
                    break;
                default:
                    throw new InvalidOperationException($"optimizer {i} has a scheduler in this run but none in the checkpoint");
            }
        }
    }

    private void RestoreLoop(JsonObject s, DataLoader train, string where)
    {
        CurrentEpoch = (int)s["epoch"]!;
        GlobalStep = (long)s["global_step"]!;
        BatchInEpoch = (int)s["batch_in_epoch"]!;
        var loader = (JsonObject)s["loader"]!;
        if ((bool)s["epoch_complete"]!)
        {
            CurrentEpoch++;
            BatchInEpoch = 0;
            _trainLog.Clear();
            return;
        }
        if (BatchInEpoch == 0) return;
        // Mid-epoch: the rest of the epoch must be the very batches the uninterrupted run would have seen.
        var batchSize = (int)loader["batch_size"]!;
        var length = (int)loader["length"]!;
        if (batchSize != train.Options.BatchSize || length != train.Length)
            throw new InvalidOperationException($"{where} was taken mid-epoch with batch size {batchSize} and {length} batches per epoch; " +
                                                $"this run has batch size {train.Options.BatchSize} and {train.Length}. Resume with the same data and batch size");
        if ((int)s["train_batches"]! != TrainBatches)
            throw new InvalidOperationException($"{where} was taken with {(int)s["train_batches"]!} training batches per epoch; this run has {TrainBatches}");
        var seed = ulong.Parse((string)loader["seed"]!, CultureInfo.InvariantCulture);
        train.Restore(new DataLoaderState(seed, (int)loader["epoch"]!, (int)loader["position"]!));
    }
}
