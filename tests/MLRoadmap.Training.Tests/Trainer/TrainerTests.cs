using MLRoadmap.Data;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Checkpoints;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Trainer;

[Collection(SerialTests.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mlr-trainer-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static DataLoader Loader(TensorDataset data, int batch = 16, bool shuffle = false) =>
        new(data, new DataLoaderOptions { BatchSize = batch, Shuffle = shuffle, Seed = 3, Workers = 0 });

    [Fact]
    public void Fit_learns_and_logs_epoch_values_for_train_and_validation()
    {
        using var train = BoringModel.Data(256, 1);
        using var val = BoringModel.Data(128, 1, skip: 256);   // the same rule, other examples
        using var tl = Loader(train, shuffle: true);
        using var vl = Loader(val);
        Training.Trainer.SeedEverything(1);
        using var model = new BoringModel(dropout: 0);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 8, Device = Device.CPU });
        var before = trainer.Validate(model, vl);
        var result = trainer.Fit(model, tl, vl);
        Assert.Equal(FitStatus.Completed, result.Status);
        Assert.Equal(8 * 16, result.GlobalStep);
        var epochs = trainer.History.Rows.Where(r => (string?)r["kind"] == "epoch").ToList();
        Assert.Equal(8, epochs.Count);
        Assert.True((double)epochs[^1]["val_loss"]! < before["val_loss"] * 0.7, $"val_loss {before["val_loss"]} -> {(double)epochs[^1]["val_loss"]!}");
        Assert.True((double)epochs[^1]["val_acc"]! > 0.8);
        Assert.True((double)epochs[^1]["train_loss"]! < (double)epochs[0]["train_loss"]!);
    }

    [Fact]
    public void Every_step_frees_its_temporaries()
    {
        using var train = BoringModel.Data(64, 1);
        using var tl = Loader(train);
        using var model = new BoringModel();
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 1, Device = Device.CPU });
        trainer.Fit(model, tl);   // warm-up: optimizer state, metric state
        Torch.CollectGarbage();
        var baseline = Torch.LiveTensorCount;
        trainer.Fit(model, tl);
        Torch.CollectGarbage();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    private sealed class LiveCount : Callback
    {
        public List<long> Counts { get; } = [];

        public override void OnTrainBatchEnd(Training.Trainer trainer, TrainingModule model, int batchIndex, double loss)
        {
            Torch.CollectGarbage();
            Counts.Add(Torch.LiveTensorCount);
        }
    }

    [Fact]
    public void No_temporary_outlives_its_step()
    {
        using var train = BoringModel.Data(256, 1);
        using var tl = Loader(train, shuffle: true);
        using var model = new BoringModel();
        var live = new LiveCount();
        new Training.Trainer(new TrainerOptions { MaxEpochs = 2, Device = Device.CPU }, [live]).Fit(model, tl);
        // After the first step has created the optimizer and metric state, every step ends with the same tensors alive.
        Assert.Equal(32, live.Counts.Count);
        Assert.All(live.Counts.Skip(1), c => Assert.Equal(live.Counts[1], c));
    }

    [Fact]
    public void Accumulating_two_half_batches_matches_one_full_batch()
    {
        using var data = BoringModel.Data(32, 1);
        Func<BoringModel, IReadOnlyList<OptimizerConfig>> sgd = m => [new SGD(m.Parameters(), lr: 0.5)];
        Dictionary<string, float[]> Train(int batch, int accumulate)
        {
            Training.Trainer.SeedEverything(5);
            using var model = new BoringModel(dropout: 0) { OptimizerFactory = sgd };
            using var tl = Loader(data, batch);
            new Training.Trainer(new TrainerOptions { MaxEpochs = 1, Device = Device.CPU, AccumulateGradBatches = accumulate }).Fit(model, tl);
            return model.Weights();
        }
        var full = Train(32, 1);
        var accumulated = Train(16, 2);
        foreach (var (name, w) in full)
            for (var i = 0; i < w.Length; i++) Assert.True(Math.Abs(w[i] - accumulated[name][i]) < 1e-6, $"{name}[{i}]: {w[i]} vs {accumulated[name][i]}");
    }

    [Theory]
    [InlineData(GradientClipAlgorithm.Norm)]
    [InlineData(GradientClipAlgorithm.Value)]
    public void Clipping_bounds_the_update(GradientClipAlgorithm algorithm)
    {
        using var data = BoringModel.Data(16, 1);
        using var tl = Loader(data);
        using var model = new BoringModel(dropout: 0) { OptimizerFactory = m => [new SGD(m.Parameters(), lr: 1)] };
        var before = model.Weights();
        new Training.Trainer(new TrainerOptions { MaxEpochs = 1, Device = Device.CPU, GradientClipValue = 1e-3, GradientClipAlgorithm = algorithm })
            .Fit(model, tl);
        var after = model.Weights();
        var deltas = before.SelectMany(kv => kv.Value.Select((v, i) => (double)after[kv.Key][i] - v)).ToList();
        if (algorithm == GradientClipAlgorithm.Value) Assert.All(deltas, d => Assert.True(Math.Abs(d) <= 1e-3 + 1e-7, $"{d}"));
        else Assert.InRange(Math.Sqrt(deltas.Sum(d => d * d)), 0.9e-3, 1e-3 + 1e-7);
    }

    [Fact]
    public void A_NaN_loss_stops_before_the_step_naming_the_step_and_the_last_checkpoint()
    {
        using var data = BoringModel.Data(64, 1);
        using var tl = Loader(data);
        using var model = new BoringModel();
        model.PoisonAtStep.Add(7);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 3, Device = Device.CPU, RunDirectory = _dir });
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(model, tl));
        Assert.Equal(7, e.GlobalStep);
        Assert.Contains("global step 7 (epoch 1, batch 2)", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.LastCheckpoint);
        Assert.Contains("epoch=0000-step=00000004", e.LastCheckpoint, StringComparison.Ordinal);
        Assert.Contains(e.LastCheckpoint, e.Message, StringComparison.Ordinal);
        Assert.All(model.Weights().Values.SelectMany(v => v), v => Assert.True(float.IsFinite(v)));
        Assert.Contains("failed", File.ReadAllText(Path.Combine(_dir, RunLogger.SummaryFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void MaxSteps_stops_mid_epoch_and_leaves_a_checkpoint_there()
    {
        using var data = BoringModel.Data(160, 1);
        using var tl = Loader(data);
        using var model = new BoringModel();
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 5, MaxSteps = 15, Device = Device.CPU, RunDirectory = _dir });
        var r = trainer.Fit(model, tl);
        Assert.Equal(FitStatus.Completed, r.Status);
        Assert.Equal(15, r.GlobalStep);
        Assert.Equal(15, r.LastCheckpoint!.GlobalStep);
        Assert.Equal("fit_end", r.LastCheckpoint.Reason);
    }

    [Fact]
    public void Early_stopping_stops_when_the_monitor_stalls_and_its_state_is_checkpointed()
    {
        using var train = BoringModel.Data(32, 1);
        using var val = BoringModel.Data(32, 2);
        using var tl = Loader(train);
        using var vl = Loader(val);
        using var model = new BoringModel { OptimizerFactory = m => [new SGD(m.Parameters(), lr: 0)] };   // nothing changes
        var stopper = new EarlyStopping("val_loss", patience: 2);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 20, Device = Device.CPU, RunDirectory = _dir }, [stopper]);
        var r = trainer.Fit(model, tl, vl);
        Assert.Equal(FitStatus.Stopped, r.Status);
        Assert.Equal(2, stopper.StoppedEpoch);   // epoch 0 sets the best; 1 and 2 are two checks without improvement
        Assert.Equal(3, r.Epoch);
        using var ckpt = CheckpointStore.Load(r.LastCheckpoint!.Path);
        Assert.Equal(2, (int)ckpt.TrainerState["callbacks"]!["EarlyStopping[val_loss]"]!["wait"]!);
    }

    [Fact]
    public void ModelCheckpoint_keeps_the_best_k_and_the_last()
    {
        using var train = BoringModel.Data(64, 1);
        using var val = BoringModel.Data(64, 2);
        using var tl = Loader(train, shuffle: true);
        using var vl = Loader(val);
        using var model = new BoringModel();
        var ckptDir = Path.Combine(_dir, "checkpoints");
        var mc = new ModelCheckpoint(ckptDir, monitor: "val_acc", mode: MonitorMode.Max, saveTopK: 2, keepLast: 1);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 6, Device = Device.CPU, RunDirectory = _dir }, [mc]);
        trainer.Fit(model, tl, vl);
        var scores = trainer.History.Rows.Where(r => (string?)r["kind"] == "epoch").Select(r => (double)r["val_acc"]!).ToList();
        var kept = CheckpointStore.List(ckptDir);
        Assert.InRange(kept.Count, 2, 3);
        Assert.Contains(kept, k => k.Epoch == 5);                                  // the last
        Assert.Equal(scores.Max(), mc.Best!.Score);                               // the best
        var ranked = kept.Where(k => k.Epoch != 5 || kept.Count == 2).Select(k => k.Score!.Value).OrderDescending().ToList();
        Assert.Equal(scores.OrderDescending().Take(ranked.Count), ranked);
    }

    [Fact]
    public void LearningRateMonitor_logs_the_schedule_each_step()
    {
        using var data = BoringModel.Data(32, 1);
        using var tl = Loader(data, batch: 8);
        using var model = new BoringModel
        {
            OptimizerFactory = m =>
            {
                var opt = new SGD(m.Parameters(), lr: 1);
                return OptimizerConfig.One(opt, new StepLR(opt, stepSize: 2, gamma: 0.5));
            },
        };
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 2, Device = Device.CPU, LogEveryNSteps = 1 }, [new LearningRateMonitor()]);
        trainer.Fit(model, tl);
        var lrs = trainer.History.Rows.Where(r => (string?)r["kind"] == "step").Select(r => (double)r["lr-SGD"]!).ToList();
        Assert.Equal([1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125], lrs);
    }

    [Fact]
    public void Validate_test_and_predict_run_in_eval_mode_without_gradients()
    {
        using var data = BoringModel.Data(40, 1);
        using var loader = Loader(data);
        using var model = new BoringModel(dropout: 0.9);
        var trainer = new Training.Trainer(new TrainerOptions { Device = Device.CPU });
        var a = trainer.Validate(model, loader);
        var b = trainer.Test(model, loader);
        Assert.Equal(a["val_loss"], b["val_loss"]);          // dropout off: deterministic
        using var probabilities = trainer.Predict(model, loader);
        Assert.Equal([40L, 3L], probabilities.Shape);
        Assert.False(probabilities.RequiresGrad);
        using var sums = probabilities.Sum(1);
        Assert.All(sums.ToArray<float>(), s => Assert.Equal(1f, s, 5));
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void Bf16_mixed_precision_trains_on_the_cpu_with_float32_weights()
    {
        using var data = BoringModel.Data(64, 1);
        using var tl = Loader(data);
        using var model = new BoringModel(dropout: 0);
        var trainer = new Training.Trainer(new TrainerOptions { MaxEpochs = 4, Device = Device.CPU, Precision = Precision.BFloat16Mixed });
        trainer.Fit(model, tl);
        var losses = trainer.History.Rows.Where(r => (string?)r["kind"] == "epoch").Select(r => (double)r["train_loss"]!).ToList();
        Assert.True(losses[^1] < losses[0], string.Join(", ", losses));
        Assert.All(model.Parameters(), p => Assert.Equal(ScalarType.Float32, p.Dtype));
    }

    [Fact]
    public void Fp16_on_the_cpu_is_refused_with_the_alternative()
    {
        using var data = BoringModel.Data(16, 1);
        using var tl = Loader(data);
        using var model = new BoringModel();
        var e = Assert.Throws<InvalidOperationException>(() =>
            new Training.Trainer(new TrainerOptions { Device = Device.CPU, Precision = Precision.Float16Mixed }).Fit(model, tl));
        Assert.Contains("fp16 mixed precision needs a CUDA device", e.Message, StringComparison.Ordinal);
        Assert.Contains("bf16", e.Message, StringComparison.Ordinal);
    }

    private sealed class FlagProbe : Callback
    {
        public bool? Seen { get; private set; }

        public override void OnFitStart(Training.Trainer trainer, TrainingModule model) => Seen = Torch.Backends.DeterministicAlgorithms;
    }

    [Fact]
    public void The_seed_makes_dropout_and_order_repeatable_and_deterministic_mode_is_scoped_to_the_fit()
    {
        using var data = BoringModel.Data(64, 1);
        Dictionary<string, float[]> Run(ulong seed, FlagProbe? probe = null)
        {
            Training.Trainer.SeedEverything(0);
            using var model = new BoringModel(dropout: 0.5);   // identical initial weights every time
            using var tl = Loader(data, shuffle: true);
            new Training.Trainer(new TrainerOptions { MaxEpochs = 2, Device = Device.CPU, Seed = seed, Deterministic = probe is not null },
                probe is null ? null : [probe]).Fit(model, tl);
            return model.Weights();
        }
        var probe = new FlagProbe();
        var a = Run(11, probe);
        var b = Run(11);
        var c = Run(12);
        foreach (var (k, v) in a) Assert.Equal(v, b[k]);
        Assert.Contains(a, kv => !kv.Value.AsSpan().SequenceEqual(c[kv.Key]));
        Assert.True(probe.Seen);
        Assert.False(Torch.Backends.DeterministicAlgorithms);
    }

    [Fact]
    public void Bad_options_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => new Training.Trainer(new TrainerOptions { AccumulateGradBatches = 0 }));
        Assert.Contains("AccumulateGradBatches", e.Message, StringComparison.Ordinal);
    }
}
