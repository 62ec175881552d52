using MLRoadmap.Data;
using MLRoadmap.Metrics;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Trainer;

/// <summary>
/// The trainer tests' fixture, after Lightning's BoringModel: a small classifier with dropout on random data, so every
/// source of randomness a resume must reproduce is in play (shuffling, dropout, initialisation), and a step costs
/// microseconds.
/// </summary>
internal sealed class BoringModel : TrainingModule
{
    private readonly Sequential _net;
    private readonly Accuracy _trainAccuracy;
    private readonly Accuracy _valAccuracy;

    public BoringModel(double dropout = 0.3, int inputs = 8, int classes = 3)
    {
        _net = RegisterModule("net", new Sequential(
            new Linear(inputs, 16), new ReLU(), new Dropout(dropout), new Linear(16, classes)));
        _trainAccuracy = RegisterMetric("train_acc", new Accuracy());
        _valAccuracy = RegisterMetric("val_acc", new Accuracy());
    }

    /// <summary>Builds the optimizers; defaults to AdamW with a per-step cosine-with-warmup schedule.</summary>
    public Func<BoringModel, IReadOnlyList<OptimizerConfig>>? OptimizerFactory { get; init; }

    /// <summary>Makes a step's loss NaN (to test the guard) at these global steps.</summary>
    public HashSet<long> PoisonAtStep { get; } = [];

    /// <summary>Multiplies a step's loss by a factor at these global steps (an fp16-style overflow once scaled).</summary>
    public Dictionary<long, double> LossFactorAtStep { get; } = [];

    public int TrainingSteps { get; private set; }

    public Tensor Forward(Tensor x) => _net.Forward(x);

    public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
    {
        if (OptimizerFactory is not null) return OptimizerFactory(this);
        var opt = new AdamW(Parameters(), lr: 1e-2);
        return OptimizerConfig.One(opt, new CosineWithWarmup(opt, warmupSteps: 5, totalSteps: 200, warmupStartFactor: 0.1));
    }

    public override Tensor? TrainingStep(Batch batch, int batchIndex)
    {
        TrainingSteps++;
        var logits = Forward(batch.Input);
        var loss = F.CrossEntropy(logits, batch.Target);
        if (Trainer is { } t && PoisonAtStep.Contains(t.GlobalStep + 1)) loss = loss * double.NaN;
        if (Trainer is { } t2 && LossFactorAtStep.TryGetValue(t2.GlobalStep + 1, out var factor)) loss = loss * factor;
        _trainAccuracy.Update(logits, batch.Target);
        Log("train_loss", loss, progressBar: true);
        Log("train_acc", _trainAccuracy);
        return loss;
    }

    public override void ValidationStep(Batch batch, int batchIndex)
    {
        var logits = Forward(batch.Input);
        Log("val_loss", F.CrossEntropy(logits, batch.Target), progressBar: true);
        _valAccuracy.Update(logits, batch.Target);
        Log("val_acc", _valAccuracy);
    }

    public override Tensor PredictStep(Batch batch, int batchIndex) => Forward(batch.Input).Softmax(-1);

    /// <summary>Random features labelled by a random linear rule (so the loss falls); the same seed gives the same
    /// rule, so two sets from one seed are train and validation data of one problem.</summary>
    public static TensorDataset Data(int count, ulong seed, int inputs = 8, int classes = 3, int skip = 0)
    {
        lock (Support.TorchFixtures.SeedLock)
        {
            var state = Torch.GetRngState();
            try
            {
                Torch.ManualSeed(seed);
                using var scope = Torch.NewDisposeScope();
                var w = Torch.Randn([inputs, classes]);   // first, so a seed gives one labelling rule whatever the count
                var x = Torch.Randn([skip + count, inputs]).Narrow(0, skip, count).Contiguous();   // skip: held-out rows
                var y = x.Matmul(w).Argmax(1);
                return new TensorDataset(x, y);
            }
            finally
            {
                Torch.SetRngState(state);
            }
        }
    }

    /// <summary>The module's parameters and buffers as raw float bits, for bitwise comparisons.</summary>
    public Dictionary<string, float[]> Weights()
    {
        using var scope = Torch.NewDisposeScope();
        using var state = StateDict();
        return state.ToDictionary(kv => kv.Key, kv => kv.Value.Contiguous().ToArray<float>(), StringComparer.Ordinal);
    }
}
