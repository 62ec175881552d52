using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// The demo's pretrained backbone: the recipe's ResNet trained from scratch on Fashion-MNIST's
/// <see cref="DemoSettings.PretrainClasses"/> (every training image of them), saved as a .safetensors of torchvision's key names (its 5-class <c>fc</c> included), so
/// fine-tuning loads it exactly as it loads <c>--weights</c>. It is made once per setting that shapes it and cached
/// under a name that hashes those settings.
/// </summary>
public static class DemoBackbone
{
    /// <summary>Where the backbone for <paramref name="config"/> is (or will be) cached.</summary>
    public static string PathFor(TransferResnetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var key = Key(config).ToJsonString();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(CacheDirectory(config.Demo), $"{config.Model.Arch}-w{config.Model.Width}-{hash}.safetensors");
    }

    // Everything the backbone's weights depend on (but the device and thread count, which move only the last bits).
    private static JsonObject Key(TransferResnetConfig config)
    {
        var d = config.Demo;
        var images = Path.Combine(config.Data.Path!, "train-images-idx3-ubyte");
        var file = new FileInfo(File.Exists(images + ".gz") ? images + ".gz" : images);
        return new JsonObject
        {
            ["version"] = 1,
            ["classes"] = string.Join(",", new DemoData(d).PretrainClasses),
            ["arch"] = config.Model.Arch,
            ["width"] = config.Model.Width,
            ["small_input_stem"] = config.Model.SmallInputStem,
            ["channels"] = config.Data.Channels,
            ["image_size"] = config.Data.ImageSize,
            ["mean"] = config.Data.Mean,
            ["std"] = config.Data.Std,
            ["crop_padding"] = config.Data.CropPadding,
            ["flip"] = config.Data.Flip,
            ["data"] = $"{file.Name}:{(file.Exists ? file.Length : -1)}",
            ["epochs"] = d.PretrainEpochs,
            ["lr"] = d.PretrainLr,
            ["weight_decay"] = config.Optim.WeightDecay,
            ["batch_size"] = d.PretrainBatchSize,
            ["seed"] = d.PretrainSeed,
            ["limit_train_batches"] = config.Trainer.LimitTrainBatches,
            ["precision"] = config.Trainer.Precision,
        };
    }

    /// <summary>demo.cache_dir, else .cache/transfer-resnet in the MLRoadmap checkout this program runs from, else
    /// the user's cache directory.</summary>
    public static string CacheDirectory(DemoSettings demo)
    {
        ArgumentNullException.ThrowIfNull(demo);
        if (demo.CacheDir is { Length: > 0 } dir) return Path.GetFullPath(dir);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MLRoadmap.sln"))) return Path.Combine(d.FullName, ".cache", "transfer-resnet");
        var home = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(home, "mlroadmap", "transfer-resnet");
    }

    /// <summary>The cached backbone for <paramref name="config"/>, pretrained first if there is none.</summary>
    public static string Ensure(TransferResnetConfig config, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        var path = PathFor(config);
        if (File.Exists(path))
        {
            log.WriteLine($"demo backbone: {path} (cached)");
            return path;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var pre = PretrainingConfig(config);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo backbone: pretraining {config.Model.Arch} (width {config.Model.Width}) on Fashion-MNIST classes {config.Demo.PretrainClasses} for " +
            $"{pre.Trainer.MaxEpochs} epochs, once; it is cached as {path}"));
        var clock = Stopwatch.StartNew();
        var demo = new DemoData(config.Demo);
        using var train = demo.Pretraining(config.Data.Path!, config.Data.ImageSize);
        using var test = demo.Pretraining(config.Data.Path!, config.Data.ImageSize, train: false);
        using var module = new TransferModule(pre, demo.PretrainClasses);
        var trainer = new Trainer(RunSetup.TrainerOptions(pre, runDirectory: null), [new EpochLog(log)]);
        using (var loader = Loaders.Train(train, pre)) trainer.Fit(module, loader);
        double accuracy;
        using (var loader = Loaders.Eval(test, pre)) accuracy = trainer.Test(module, loader)["test_acc"];
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"demo backbone: {100 * accuracy:F2}% test accuracy on classes {config.Demo.PretrainClasses} after {clock.Elapsed.TotalSeconds:F0} s"));

        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["mlroadmap.demo_backbone"] = Key(config).ToJsonString(),
            ["mlroadmap.test_acc"] = accuracy.ToString("R", CultureInfo.InvariantCulture),
        };
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        using (var state = module.Net.StateDict()) state.Save(temporary, metadata);
        File.Move(temporary, path, overwrite: true);   // atomic: a run never sees half a file
        return path;
    }

    // The same model and augmentation, trained from scratch on classes 0-4 with the demo's pretraining settings.
    private static TransferResnetConfig PretrainingConfig(TransferResnetConfig config) => config with
    {
        Seed = config.Demo.PretrainSeed,
        Trainer = config.Trainer with { MaxEpochs = config.Demo.PretrainEpochs, MaxSteps = null, AccumulateGradBatches = 1, LimitValBatches = null },
        Optim = config.Optim with { Lr = config.Demo.PretrainLr },
        Data = config.Data with { BatchSize = config.Demo.PretrainBatchSize },
        Model = config.Model with { Weights = "none", LabelSmoothing = 0 },
    };

    /// <summary>A line per epoch (and per quarter of one): pretraining takes minutes.</summary>
    private sealed class EpochLog(TextWriter log) : Callback
    {
        private readonly Stopwatch _clock = new();

        public override void OnTrainEpochStart(Trainer trainer, TrainingModule model) => _clock.Restart();

        public override void OnTrainBatchEnd(Trainer trainer, TrainingModule model, int batchIndex, double loss)
        {
            var quarter = Math.Max(1, trainer.TrainBatches / 4);
            if ((batchIndex + 1) % quarter != 0 || batchIndex + 1 == trainer.TrainBatches) return;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  epoch {trainer.CurrentEpoch + 1}/{trainer.Options.MaxEpochs}: batch {batchIndex + 1}/{trainer.TrainBatches}, loss {loss:F4}, {_clock.Elapsed.TotalSeconds:F0} s"));
        }

        public override void OnTrainEpochEnd(Trainer trainer, TrainingModule model) =>
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  epoch {trainer.CurrentEpoch + 1}/{trainer.Options.MaxEpochs}: train_loss {trainer.CallbackMetrics.GetValueOrDefault("train_loss", double.NaN):F4}, {_clock.Elapsed.TotalSeconds:F0} s"));
    }
}
