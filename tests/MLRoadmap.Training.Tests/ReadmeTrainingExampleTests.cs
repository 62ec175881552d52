using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;
using MLRoadmap.Metrics;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Optim.Schedulers;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using F = MLRoadmap.NN.Functional;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.ReadmeExamples;

/// <summary>README.md's training example, verbatim between the markers (the class above, the statements inside the
/// test), so the documented code compiles and runs.</summary>
[Collection(SerialTests.Name)]
public class ReadmeTrainingExampleTests
{
    // ---- README class begins ----
    sealed class FashionMlp : TrainingModule
    {
        private readonly Sequential _net;
        private readonly Accuracy _valAccuracy;

        public FashionMlp()
        {
            _net = RegisterModule("net", new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Dropout(0.2), new Linear(256, 10)));
            _valAccuracy = RegisterMetric("val_acc", new Accuracy());   // registered metrics are checkpointed
        }

        public override IReadOnlyList<OptimizerConfig> ConfigureOptimizers()
        {
            var opt = new AdamW(Parameters(), lr: 2e-3);
            return OptimizerConfig.One(opt, new CosineWithWarmup(opt, warmupSteps: 50, totalSteps: 940, warmupStartFactor: 0.1));
        }

        public override Tensor? TrainingStep(Batch batch, int batchIndex)      // runs in a dispose scope the trainer owns
        {
            var loss = F.CrossEntropy(_net.Forward(batch.Input), batch.Target);
            Log("train_loss", loss, progressBar: true);
            return loss;                                                       // the trainer does backward, clip, step
        }

        public override void ValidationStep(Batch batch, int batchIndex)
        {
            var logits = _net.Forward(batch.Input);                            // (B, 10)
            Log("val_loss", F.CrossEntropy(logits, batch.Target));
            _valAccuracy.Update(logits, batch.Target);
            Log("val_acc", _valAccuracy, progressBar: true);                   // computed over the epoch, then reset
        }
    }
    // ---- README class ends ----

    [Fact]
    public void The_readme_training_example_learns_fashion_mnist()
    {
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        string? runDir = null;
        try
        {
            // ---- README example begins ----
            using var train = Mnist.Load("/usr/share/datasets/fashion-mnist", train: true);   // uint8 (60000, 1, 28, 28), int64 labels
            using var test = Mnist.Load("/usr/share/datasets/fashion-mnist", train: false);
            var toFloat = new Compose(new ToFloat(1 / 255.0), new Normalize([0.286], [0.353]));
            using var trainLoader = new DataLoader(train, new DataLoaderOptions { BatchSize = 128, Shuffle = true, Seed = 1, Transform = toFloat });
            using var testLoader = new DataLoader(test, new DataLoaderOptions { BatchSize = 500, Transform = toFloat });

            Trainer.SeedEverything(1);
            using var model = new FashionMlp();
            var run = Path.Combine(Path.GetTempPath(), "fashion-mlp-run");
            var trainer = new Trainer(new TrainerOptions { MaxEpochs = 2, RunDirectory = run },
                [new ModelCheckpoint(Path.Combine(run, "checkpoints"), monitor: "val_acc", mode: MonitorMode.Max), new EarlyStopping("val_loss", patience: 3)]);
            var result = trainer.Fit(model, trainLoader, testLoader);    // Fit(..., resumeFrom: run) continues bit for bit
            Console.WriteLine($"val_acc {result.Metrics["val_acc"]:P1}, best checkpoint {result.BestCheckpoint?.Path}");
            // ---- README example ends ----
            runDir = run;
            Assert.True(result.Metrics["val_acc"] > 0.85, $"val_acc {result.Metrics["val_acc"]}");
            Assert.NotNull(result.BestCheckpoint);
            Assert.True(File.Exists(Path.Combine(run, "metrics.csv")));
        }
        finally
        {
            Console.SetOut(console);
            if (runDir is not null && Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
        Assert.Contains("val_acc", output.ToString(), StringComparison.Ordinal);
    }
}
