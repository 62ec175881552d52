using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Metrics;
using MLRoadmap.Recipes.Dcgan;
using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// The dcgan recipe on a sliver of Fashion-MNIST, on the CPU, in seconds: "auto" trains and caches a tiny
/// fashion-cnn for the FID features (then finds it in the cache, or a run of it under runs/), one epoch of the GAN
/// writes its grids and logs a finite FID equal to one recomputed by hand, and sampling writes the images asked for.
/// The FID falling over real training is measured in recipes/dcgan/README.md, too slow for the suite.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class DcganRecipeTests(DcganRecipeTests.Run run) : IClassFixture<DcganRecipeTests.Run>
{
    private const string DataDir = "/usr/share/datasets/fashion-mnist";

    public sealed class Run : IDisposable
    {
        public Run()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-dcgan-").FullName;
            Where = new FidLocations([Path.Combine(Root, "runs")], Path.Combine(Root, "cache"));
            var defaults = new DcganConfig();
            Data = defaults.Data with { Limit = 256, BatchSize = 64 };
            using (var classifier = FidClassifier.Resolve(defaults.Fid, Data, "cpu", 1, 28, TrainingLog.Add, Where))
                ClassifierCheckpoint = classifier.Checkpoint;
            using (var again = FidClassifier.Resolve(defaults.Fid, Data, "cpu", 1, 28, CachedLog.Add, Where))
                CachedCheckpoint = again.Checkpoint;

            Config = defaults with
            {
                Trainer = defaults.Trainer with { MaxEpochs = 1, Device = "cpu" },
                Data = Data,
                Fid = defaults.Fid with { Classifier = ClassifierCheckpoint, Samples = 64 },
            };
            RunDir = Path.Combine(Root, "run");
            var recipe = new DcganRecipe();
            var trainer = RunSetup.CreateTrainer(recipe, Config, RunDir);
            Training.Trainer.SeedEverything(Config.Seed);
            using var module = (DcganModule)recipe.CreateModule(Config);
            using var data = recipe.LoadData(Config, DataSplits.Fit);
            Result = trainer.Fit(module, data.Train!, data.Val);
            HandFid = RecomputeFid(module);
        }

        public string Root { get; }
        public FidLocations Where { get; }
        public GanData Data { get; }
        public List<string> TrainingLog { get; } = [];
        public List<string> CachedLog { get; } = [];
        public string ClassifierCheckpoint { get; }
        public string CachedCheckpoint { get; }
        public DcganConfig Config { get; }
        public string RunDir { get; }
        public FitResult Result { get; }
        public double HandFid { get; }

        // The trained generator on the fixed noise, the first 64 test images, the classifier's features: FID by hand.
        private double RecomputeFid(DcganModule module)
        {
            using var scope = Torch.NewDisposeScope();
            using var noGrad = Torch.NoGrad();
            using var classifier = FidClassifier.Resolve(Config.Fid, Config.Data, "cpu", 1, 28, _ => { }, Where);
            using var real = ImageSets.Load(DataDir, "auto", train: false, limit: 64);
            module.Eval();
            var noise = DcganModule.FixedNoise(64, Config.Model.LatentDim, Config.Fid.NoiseSeed);
            var fake = Image.ToUInt8(module.Generator.Forward(noise).Add(1).Mul(0.5));
            using var fid = new FrechetDistance();
            fid.Update(classifier.Features(fake), classifier.Features(real.Data.Tensors[0]));
            return fid.Compute();
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void Auto_trains_a_fashion_cnn_once_and_then_finds_it_in_the_cache()
    {
        Assert.Contains(run.TrainingLog, l => l.Contains("training one for 1 epoch", StringComparison.Ordinal));
        Assert.Contains(run.TrainingLog, l => l.StartsWith("fid: cached fashion-cnn trained, val_acc", StringComparison.Ordinal));
        Assert.StartsWith(Path.Combine(run.Root, "cache", "fid", "fashion-cnn-fashion-mnist-"), run.ClassifierCheckpoint, StringComparison.Ordinal);
        Assert.Equal(run.ClassifierCheckpoint, run.CachedCheckpoint);
        Assert.DoesNotContain(run.CachedLog, l => l.Contains("training", StringComparison.Ordinal));
        Assert.Single(run.CachedLog);
    }

    [Fact]
    public void Auto_prefers_the_newest_fashion_cnn_run_on_the_same_data_under_runs()
    {
        var cachedRun = Path.GetDirectoryName(Path.GetDirectoryName(run.ClassifierCheckpoint))!;
        var runs = Path.Combine(run.Root, "runs");
        var same = Path.Combine(runs, "fashion-cnn-same-data");
        var other = Path.Combine(runs, "fashion-cnn-other-data");
        Copy(cachedRun, same);
        Copy(cachedRun, other);
        try
        {
            // A run on other data is passed over, even though it is as new.
            var configFile = Path.Combine(other, "config.json");
            var config = JsonNode.Parse(File.ReadAllText(configFile))!;
            config["data"]!["path"] = "/usr/share/datasets/mnist";
            File.WriteAllText(configFile, config.ToJsonString());
            var log = new List<string>();
            using var classifier = FidClassifier.Resolve(new FidSettings(), run.Data, "cpu", 1, 28, log.Add, run.Where);
            Assert.StartsWith(same, classifier.Checkpoint, StringComparison.Ordinal);
            Assert.Contains("the newest fashion-cnn run on", Assert.Single(log), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(runs, recursive: true);
        }
    }

    [Fact]
    public void One_epoch_takes_one_global_step_per_batch_and_logs_a_finite_fid_equal_to_one_computed_by_hand()
    {
        Assert.Equal(FitStatus.Completed, run.Result.Status);
        Assert.Equal(4, run.Result.GlobalStep);   // 256 images in batches of 64, two optimizers stepped per batch
        var fid = run.Result.Metrics["fid"];
        Assert.True(double.IsFinite(fid) && fid > 0, $"fid {fid}");
        Assert.True(Math.Abs(fid - run.HandFid) <= 1e-6 * run.HandFid, $"logged fid {fid:R}, by hand {run.HandFid:R}");
        foreach (var name in new[] { "d_loss", "g_loss", "d_real", "d_fake" })
            Assert.True(double.IsFinite(run.Result.Metrics[name]), name);
        var epochRow = File.ReadLines(Path.Combine(run.RunDir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Single(r => (string?)r["kind"] == "epoch");
        Assert.Equal(fid, (double)epochRow["fid"]!);
        Assert.Equal(fid, run.Result.BestCheckpoint!.Score);   // checkpoints are ranked by it
    }

    [Fact]
    public void The_epoch_writes_an_8x8_grid_of_samples_and_one_of_real_images()
    {
        foreach (var file in new[] { "epoch-0001.png", "real.png" })
        {
            using var grid = Image.Read(Path.Combine(run.RunDir, "samples", file));
            Assert.Equal([3, 8 * 30 + 2, 8 * 30 + 2], grid.Shape);   // 64 images of 28 px, 2 px apart, gray as RGB
        }
    }

    [Fact]
    public void Sampling_from_the_checkpoint_writes_the_images_asked_for_the_same_for_the_same_seed()
    {
        var recipe = new DcganRecipe();
        var first = Sample(recipe, 5, seed: 3, "a");
        Assert.Equal(5, first.Samples.Count);
        foreach (var file in first.Samples)
        {
            using var image = Image.Read(file);
            Assert.Equal([1, 28, 28], image.Shape);
        }
        using (var grid = Image.Read(first.Grid!)) Assert.Equal([3, 2 * 30 + 2, 3 * 30 + 2], grid.Shape);   // 3 columns, 2 rows
        var again = Sample(recipe, 5, seed: 3, "b");
        var other = Sample(recipe, 5, seed: 4, "c");
        Assert.Equal(File.ReadAllBytes(first.Samples[2]), File.ReadAllBytes(again.Samples[2]));
        Assert.NotEqual(File.ReadAllBytes(first.Samples[2]), File.ReadAllBytes(other.Samples[2]));
    }

    private GeneratedFiles Sample(DcganRecipe recipe, int count, ulong seed, string name)
    {
        using var module = recipe.CreateModule(run.Config);
        Training.Trainer.SeedEverything(seed);
        using var inputs = recipe.SampleInputs(run.Config, count);
        using var loader = new DataLoader(inputs.Rows, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        var trainer = new Training.Trainer(RunSetup.TrainerOptions(run.Config, runDirectory: null));
        using var outputs = trainer.Predict(module, loader, run.Result.BestCheckpoint!.Path);
        return recipe.WriteSamples(run.Config, outputs, Path.Combine(run.Root, "samples-" + name));
    }

    [Fact]
    public void The_fixed_noise_is_the_same_for_every_run_seed_and_leaves_the_global_generator_alone()
    {
        Training.Trainer.SeedEverything(5);
        var before = Torch.GetRngSnapshot();
        using var a = DcganModule.FixedNoise(8, 100, 1234);
        Assert.Equal(before.Cpu, Torch.GetRngSnapshot().Cpu);
        Training.Trainer.SeedEverything(6);
        using var b = DcganModule.FixedNoise(8, 100, 1234);
        using var c = DcganModule.FixedNoise(8, 100, 1235);
        Compare.Exact(b, a, "fixed noise under two run seeds");
        Assert.False(c.Equal(a), "another noise seed, other noise");
    }

    [Fact]
    public void A_bad_classifier_or_too_many_fid_samples_are_refused_naming_them()
    {
        var missing = Path.Combine(run.Root, "no-such-run");
        var e = Assert.Throws<DirectoryNotFoundException>(() =>
            FidClassifier.Resolve(run.Config.Fid with { Classifier = missing }, run.Data, "cpu", 1, 28, _ => { }, run.Where));
        Assert.Contains($"fid.classifier: {missing} does not exist", e.Message, StringComparison.Ordinal);

        // The GAN's own run is not a fashion-cnn.
        var notCnn = Assert.Throws<ConfigException>(() =>
            FidClassifier.Resolve(run.Config.Fid with { Classifier = run.RunDir }, run.Data, "cpu", 1, 28, _ => { }, run.Where));
        Assert.Contains("for recipe 'dcgan', not 'fashion-cnn'", notCnn.Message, StringComparison.Ordinal);

        // A 1x28x28 classifier can't measure 3x32x32 images.
        var shape = Assert.Throws<InvalidDataException>(() =>
            FidClassifier.Resolve(run.Config.Fid, run.Data, "cpu", 3, 32, _ => { }, run.Where));
        Assert.Contains("does not fit 3x32x32 images", shape.Message, StringComparison.Ordinal);

        var tooMany = run.Config with { Fid = run.Config.Fid with { Samples = 20000 } };
        var e2 = Assert.Throws<InvalidDataException>(() => new DcganRecipe().LoadData(tooMany, DataSplits.Val).Dispose());
        Assert.Contains("fid.samples is 20000", e2.Message, StringComparison.Ordinal);
    }

    private static void Copy(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
