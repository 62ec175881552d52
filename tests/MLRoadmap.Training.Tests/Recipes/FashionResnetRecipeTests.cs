using System.Text.Json.Nodes;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>fashion-resnet through the real CLI, shrunk to seconds (width 4, a few hundred images): it trains a
/// torchvision-keyed ResNet-18 with the small-input stem, evaluates and predicts.</summary>
public sealed class FashionResnetRecipeTests : IDisposable
{
    private const string FashionDir = "/usr/share/datasets/fashion-mnist";
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-fashion-resnet-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CliProcess.Result Cli(string arguments)
    {
        var result = CliProcess.Run(arguments, _root, timeoutMs: 180_000);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [Fact]
    public void Smoke_run_trains_a_small_stem_resnet18_with_torchvision_keys_and_predicts()
    {
        Cli("train fashion-resnet --run-dir smoke --epochs 2 --batch-size 32 --set data.limit=320 --set model.width=4");
        var checkpoint = Directory.GetDirectories(Path.Combine(_root, "smoke", "checkpoints")).Max()!;
        using (var weights = SafeTensors.Load(Path.Combine(checkpoint, "model.safetensors")))
        {
            Assert.Equal(new long[] { 4, 1, 3, 3 }, weights["net.conv1.weight"].Shape);        // 3x3 stem, grey input
            Assert.Equal(new long[] { 10, 32 }, weights["net.fc.weight"].Shape);              // 8 × width features
            Assert.True(weights.Contains("net.layer4.1.bn2.running_var"));
            Assert.DoesNotContain(weights.Names, n => n.Contains("maxpool", StringComparison.Ordinal));
        }
        var eval = JsonNode.Parse(Cli("eval smoke --json").Stdout)!;
        Assert.InRange((double)eval["test_acc"]!, 0.0, 1.0);
        Assert.True(double.IsFinite((double)eval["test_loss"]!));

        var rows = Cli($"predict smoke {FashionDir}/t10k-images-idx3-ubyte.gz:0-1 --top-k 2 --json").Stdout.Trim().Split('\n');
        Assert.Equal(2, rows.Length);
        foreach (var row in rows.Select(r => JsonNode.Parse(r)!))
            Assert.All(row["top"]!.AsArray(), t => Assert.Contains((string)t!["label"]!, MLRoadmap.Data.Mnist.FashionClasses));
    }
}
