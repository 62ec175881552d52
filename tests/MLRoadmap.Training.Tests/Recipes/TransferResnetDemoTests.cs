using System.Text.Json.Nodes;
using MLRoadmap.NN;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// transfer-resnet's default path, the Fashion-MNIST demo, cut down to seconds (a width-4 network, two batches an
/// epoch): the first run pretrains the backbone on classes 0-4 and caches it as torchvision-named safetensors, the
/// next run with the same settings takes it from the cache, model.weights=none pretrains nothing, and eval tests on
/// the 5,000 test images of classes 5-9.
/// </summary>
public sealed class TransferResnetDemoTests : IDisposable
{
    private const string Args = "train transfer-resnet --device cpu --set model.width=4 --set demo.cache_dir=cache --set demo.pretrain_epochs=1 " +
                                "--set trainer.limit_train_batches=2 --set demo.val_per_class=4 --epochs 2 --set finetune.freeze_epochs=1";

    private readonly string _root = Directory.CreateTempSubdirectory("mlroadmap-transfer-demo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Pretrains_once_caches_the_backbone_and_fine_tunes_on_classes_5_to_9()
    {
        var first = CliProcess.Run($"{Args} --run-dir first", _root);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("demo backbone: pretraining resnet18 (width 4) on Fashion-MNIST classes 0,1,2,3,4", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("test accuracy on classes 0,1,2,3,4", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("8 batches of 32 per epoch", first.Stdout, StringComparison.Ordinal);   // 5 classes x 50 labels
        var cached = Directory.GetFiles(Path.Combine(_root, "cache"), "*.safetensors").Single();
        using (var backbone = StateDict.Load(cached))
        {
            Assert.Equal([4, 1, 7, 7], backbone["conv1.weight"].Shape);    // torchvision's names, Fashion-MNIST's one channel
            Assert.Equal([5, 32], backbone["fc.weight"].Shape);            // its head: classes 0-4
        }
        Assert.Contains($"weights {cached}: loaded 120 entries", first.Stdout, StringComparison.Ordinal);

        var second = CliProcess.Run($"{Args} --run-dir second", _root);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"demo backbone: {cached} (cached)", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("pretraining", second.Stdout, StringComparison.Ordinal);
        // Same backbone, same seed: the same fine-tuned weights.
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root, "first", "checkpoints", "epoch=0001-step=00000004", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(_root, "second", "checkpoints", "epoch=0001-step=00000004", "model.safetensors")));

        var scratch = CliProcess.Run($"{Args} --set model.weights=none --run-dir scratch", _root);
        Assert.True(scratch.ExitCode == 0, scratch.ToString());
        Assert.DoesNotContain("demo backbone", scratch.Stdout, StringComparison.Ordinal);
        Assert.Contains("frozen 0.0000", scratch.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("frozen 1.0000", scratch.Stdout, StringComparison.Ordinal);

        var eval = CliProcess.Run("eval first --json --device cpu", _root);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var metrics = JsonNode.Parse(eval.Stdout.Trim().Split('\n')[^1])!;
        Assert.Equal("test", (string)metrics["split"]!);
        Assert.InRange((double)metrics["test_acc"]!, 0.0, 1.0);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "first", "config.json")))!;
        Assert.Equal("Sandal,Shirt,Sneaker,Bag,Ankle boot", (string)config["data"]!["classes"]!);
    }
}
