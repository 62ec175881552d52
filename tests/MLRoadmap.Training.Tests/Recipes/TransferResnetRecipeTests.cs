using System.Text.Json.Nodes;
using MLRoadmap.Imaging;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Cli;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// transfer-resnet through the CLI, as a user drives it, on a tiny image folder of PNGs (three classes, mixed sizes,
/// one grey image) with tiny torchvision-named weights (a width-4 resnet18 written from the zoo's state dict) and
/// with torchvision's own resnet18 .pth: the frozen epoch leaves the backbone as loaded and the unfrozen one changes
/// it; predict names the folders' classes without the data folder; bad weights and missing keys are refused by name.
/// Runs once for the class (<see cref="FolderRuns"/>); each test checks one promise.
/// </summary>
public sealed class TransferResnetRecipeTests(TransferResnetRecipeTests.FolderRuns runs) : IClassFixture<TransferResnetRecipeTests.FolderRuns>
{
    private static readonly string[] Classes = ["cat", "dog", "fish"];

    // A width-4 resnet18 on 16x16 RGB, normalised at 0.5 ± 0.25, batches of 4: milliseconds a step.
    private const string Small = "--set data.path=data --set model.width=4 --set data.image_size=16 --set data.channels=3 " +
                                 "--set data.mean=0.5 --set data.std=0.25 --set data.crop_padding=1 --batch-size 4 --device cpu";

    public sealed class FolderRuns : IDisposable
    {
        public FolderRuns()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-transfer-").FullName;
            WriteImages();
            Weights = Path.Combine(Root, "tiny.safetensors");
            lock (TorchFixtures.SeedLock)
            {
                Torch.ManualSeed(1);
                using var model = ModelRegistry.Create("resnet18", (ResNetOptions)ModelRegistry.DefaultOptions("resnet18") with { Width = 4 });
                model.Save(Weights);
            }
            // One frozen epoch then one unfrozen, batch norm frozen too: every checkpoint kept.
            Frozen = CliProcess.Run($"train transfer-resnet --weights tiny.safetensors {Small} --epochs 2 --set finetune.freeze_epochs=1 " +
                                    "--set finetune.train_bn=false --set checkpoint.save_top_k=-1 --run-dir frozen", Root);
            // fastai's default: batch norm trains while the rest is frozen.
            TrainBn = CliProcess.Run($"train transfer-resnet --weights tiny.safetensors {Small} --epochs 1 --run-dir train-bn", Root);
        }

        public string Root { get; }
        public string Weights { get; }
        public CliProcess.Result Frozen { get; }
        public CliProcess.Result TrainBn { get; }

        public string Data => Path.Combine(Root, "data");

        public Dictionary<string, float[]> Checkpoint(string run, int epoch)
        {
            var info = CheckpointStore.List(Path.Combine(Root, run, "checkpoints")).Single(c => c.Epoch == epoch);
            using var ckpt = CheckpointStore.Load(info.Path);
            return ckpt.Model.Tensors.ToDictionary(kv => kv.Key, kv => Values(kv.Value), StringComparer.Ordinal);
        }

        // Three classes told apart by which colour channel is bright, in images of mixed sizes; one grey image.
        private void WriteImages()
        {
            lock (TorchFixtures.SeedLock)
            {
                Torch.ManualSeed(2);
                foreach (var (split, count) in new[] { ("train", 8), ("val", 2), ("test", 2) })
                {
                    for (var c = 0; c < Classes.Length; c++)
                    {
                        var dir = Directory.CreateDirectory(Path.Combine(Data, split, Classes[c])).FullName;
                        for (var i = 0; i < count; i++)
                        {
                            using var scope = Torch.NewDisposeScope();
                            var (h, w) = i % 2 == 0 ? (16, 16) : (20, 24);
                            var image = Torch.Randint(0, 96, [3, h, w], ScalarType.UInt8);
                            image[c] = Torch.Randint(160, 256, [h, w], ScalarType.UInt8);
                            if (split == "train" && c == 2 && i == 0) image = image[c];   // (H, W): a grey PNG, read as RGB
                            Image.WritePng(Path.Combine(dir, $"{i}.png"), image);
                        }
                    }
                }
            }
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private static float[] Values(Tensor t)
    {
        using var scope = Torch.NewDisposeScope();
        return t.To(ScalarType.Float32).Contiguous().ToArray<float>();
    }

    private static bool IsBackbone(string key) => key.StartsWith("net.", StringComparison.Ordinal) && !key.StartsWith("net.fc.", StringComparison.Ordinal);

    [Fact]
    public void The_frozen_epoch_keeps_the_loaded_backbone_and_the_unfrozen_epoch_changes_it()
    {
        Assert.True(runs.Frozen.ExitCode == 0, runs.Frozen.ToString());
        Assert.Contains("loaded 120 entries; skipped the state's classifier (fc.weight, fc.bias)", runs.Frozen.Stdout, StringComparison.Ordinal);
        Assert.Contains("6 batches of 4 per epoch", runs.Frozen.Stdout, StringComparison.Ordinal);   // 24 training images
        using var weights = StateDict.Load(runs.Weights);
        var frozen = runs.Checkpoint("frozen", 0);
        var unfrozen = runs.Checkpoint("frozen", 1);
        var backbone = frozen.Keys.Where(IsBackbone).ToList();
        Assert.Equal(120, backbone.Count);
        foreach (var key in backbone)
            Assert.True(Values(weights[key["net.".Length..]]).AsSpan().SequenceEqual(frozen[key]), $"{key} moved while the backbone was frozen");
        Assert.Equal((1000 * 32, 3 * 32), (Values(weights["fc.weight"]).Length, frozen["net.fc.weight"].Length));   // a new 3-class head
        Assert.False(unfrozen["net.fc.weight"].AsSpan().SequenceEqual(frozen["net.fc.weight"]));
        foreach (var key in new[] { "net.conv1.weight", "net.layer1.0.conv1.weight", "net.layer4.1.conv2.weight", "net.bn1.weight", "net.bn1.running_mean" })
            Assert.False(frozen[key].AsSpan().SequenceEqual(unfrozen[key]), $"{key} did not train once unfrozen");
        Assert.Contains("frozen 1.0000", runs.Frozen.Stdout, StringComparison.Ordinal);
        Assert.Contains("frozen 0.0000", runs.Frozen.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void With_train_bn_only_batch_norm_moves_while_the_backbone_is_frozen()
    {
        Assert.True(runs.TrainBn.ExitCode == 0, runs.TrainBn.ToString());
        using var weights = StateDict.Load(runs.Weights);
        var after = runs.Checkpoint("train-bn", 0);
        foreach (var key in after.Keys.Where(IsBackbone))
        {
            var loaded = Values(weights[key["net.".Length..]]);
            var isNorm = key.Contains(".bn", StringComparison.Ordinal) || key.Contains("downsample.1", StringComparison.Ordinal);
            if (!isNorm) Assert.True(loaded.AsSpan().SequenceEqual(after[key]), $"{key} moved while the backbone was frozen");
            else if (!key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                Assert.False(loaded.AsSpan().SequenceEqual(after[key]), $"{key} should train (finetune.train_bn)");
        }
    }

    [Fact]
    public void Torchvisions_own_resnet18_pth_loads_by_name()
    {
        var pth = Path.Combine(runs.Root, "resnet18.pth");
        var script = Path.Combine(Repo.Root, "tests", "MLRoadmap.Training.Tests", "Recipes", "transfer_resnet_fixtures.py");
        var (code, output) = Repo.Run("/usr/bin/python3", $"\"{script}\" pth \"{pth}\"", timeoutMs: 120_000);
        Assert.True(code == 0, $"/usr/bin/python3 with torchvision is needed to write torchvision's resnet18.pth: {output}");
        // The settings torchvision's weights need come from the recipe's torchvision.yaml; only the size is cut down.
        var yaml = Path.Combine(Repo.Root, "recipes", "transfer-resnet", "torchvision.yaml");
        var run = CliProcess.Run($"train transfer-resnet --config \"{yaml}\" --weights resnet18.pth --set data.path=data --set data.image_size=32 " +
                                 "--set data.crop_padding=2 --batch-size 4 --epochs 1 --set finetune.train_bn=false --set trainer.limit_train_batches=2 " +
                                 "--device cpu --run-dir pth", runs.Root);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("loaded 120 entries; skipped the state's classifier (fc.weight, fc.bias)", run.Stdout, StringComparison.Ordinal);
        // Frozen all through: the checkpoint's backbone is torchvision's weights, every entry bit for bit.
        using var torchvision = StateDictFile.Load(pth);
        var after = runs.Checkpoint("pth", 0);
        foreach (var (key, value) in torchvision.Where(kv => !kv.Key.StartsWith("fc.", StringComparison.Ordinal)))
            Assert.True(Values(value).AsSpan().SequenceEqual(after["net." + key]), $"{key} differs from torchvision's");
        Assert.Equal(3 * 512, after["net.fc.weight"].Length);
    }

    [Fact]
    public void Predict_names_the_folders_classes_from_the_runs_config_without_the_data()
    {
        Assert.True(runs.Frozen.ExitCode == 0, runs.Frozen.ToString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Root, "frozen", "config.json")))!;
        Assert.Equal("cat,dog,fish", (string)config["data"]!["classes"]!);
        var inputs = Path.Combine(runs.Root, "inputs");
        Directory.CreateDirectory(inputs);
        File.Copy(Path.Combine(runs.Data, "test", "dog", "0.png"), Path.Combine(inputs, "dog.png"), overwrite: true);
        File.Copy(Path.Combine(runs.Data, "test", "fish", "1.png"), Path.Combine(inputs, "fish.png"), overwrite: true);
        // The run as if its data had moved away: the class names must come from the run itself.
        var moved = Path.Combine(runs.Root, "frozen-moved");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(runs.Root, "frozen"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(moved, Path.GetRelativePath(Path.Combine(runs.Root, "frozen"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        config["data"]!["path"] = Path.Combine(runs.Root, "no-such-folder");
        File.WriteAllText(Path.Combine(moved, "config.json"), config.ToJsonString());
        var predicted = CliProcess.Run("predict frozen-moved inputs/dog.png inputs/fish.png --top-k 2 --json --device cpu", runs.Root);
        Assert.True(predicted.ExitCode == 0, predicted.ToString());
        var rows = predicted.Stdout.Trim().Split('\n').Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["dog.png", "fish.png"], rows.Select(r => (string)r["input"]!));
        foreach (var row in rows)
        {
            var top = (JsonArray)row["top"]!;
            Assert.Equal(2, top.Count);
            Assert.All(top, t => Assert.Contains((string)t!["label"]!, Classes));
            Assert.InRange((double)top[0]!["score"]!, (double)top[1]!["score"]!, 1.0);
        }
    }

    [Fact]
    public void Bad_weights_and_missing_settings_are_refused_by_name()
    {
        // --weights on a recipe that has no model.weights: a usage error before any work.
        var mlp = CliProcess.Run("train fashion-mlp --weights tiny.safetensors --device cpu", runs.Root);
        Assert.Equal(2, mlp.ExitCode);
        Assert.Contains("recipe fashion-mlp takes no pretrained weights (it has no model.weights key)", mlp.Stderr, StringComparison.Ordinal);

        // torchvision-width weights into the default (width 16) model: the setting that fits is named.
        var width = CliProcess.Run($"train transfer-resnet --weights tiny.safetensors {Small} --set model.width=16 --run-dir width", runs.Root);
        Assert.Equal(1, width.ExitCode);
        Assert.Contains("is a ResNet of width 4", width.Stderr, StringComparison.Ordinal);
        Assert.Contains("set model.width=4", width.Stderr, StringComparison.Ordinal);

        // torchvision's stem (7x7 conv1) into the small-input stem (3x3): the setting that fits is named.
        var stem = CliProcess.Run($"train transfer-resnet --weights tiny.safetensors {Small} --set model.small_input_stem=true --run-dir stem", runs.Root);
        Assert.Equal(1, stem.ExitCode);
        Assert.Contains("has a 7x7 conv1 (torchvision's stem) but model.small_input_stem is true", stem.Stderr, StringComparison.Ordinal);
        Assert.Contains("set model.small_input_stem=false", stem.Stderr, StringComparison.Ordinal);

        // resnet18 weights into a resnet34: every key that does not fit is listed.
        var arch = CliProcess.Run($"train transfer-resnet --weights tiny.safetensors {Small} --set model.arch=resnet34 --run-dir arch", runs.Root);
        Assert.Equal(1, arch.ExitCode);
        Assert.Contains("does not fit", arch.Stderr, StringComparison.Ordinal);
        Assert.Contains("layer3.5.conv1.weight", arch.Stderr, StringComparison.Ordinal);

        var corrupt = Path.Combine(runs.Root, "corrupt.pth");
        File.WriteAllBytes(corrupt, [.. "PK\u0003\u0004 not really a zip"u8]);
        var bad = CliProcess.Run($"train transfer-resnet --weights corrupt.pth {Small} --run-dir corrupt", runs.Root);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("corrupt.pth is not a readable state dict", bad.Stderr, StringComparison.Ordinal);

        // An image folder with no weights at all: fine-tuning needs them (or model.weights=none, said so).
        var none = CliProcess.Run($"train transfer-resnet {Small} --run-dir none", runs.Root);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("model.weights is not set", none.Stderr, StringComparison.Ordinal);
        Assert.Contains("model.weights=none", none.Stderr, StringComparison.Ordinal);
    }
}
