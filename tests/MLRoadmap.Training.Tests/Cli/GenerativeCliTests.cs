using System.Text.Json.Nodes;
using MLRoadmap.Imaging;

namespace MLRoadmap.Tests.Cli;

/// <summary>
/// `mlroadmap predict RUN --samples N` through the real CLI, on a tiny fashion-cnn, a dcgan measured on it and a vae,
/// each trained for an epoch on a few hundred Fashion-MNIST images: N PNGs and a grid for the generative recipes,
/// and clear refusals when --samples and input files are mixed up.
/// </summary>
public sealed class GenerativeCliTests(GenerativeCliTests.Runs runs) : IClassFixture<GenerativeCliTests.Runs>
{
    public sealed class Runs : IDisposable
    {
        public Runs()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-cli-gen-").FullName;
            Classifier = CliProcess.Run("train fashion-cnn --set data.limit=256 --epochs 1 --set model.width=8 --device cpu --run-dir cnn-run", Root);
            Gan = CliProcess.Run("train dcgan --set data.limit=256 --batch-size 64 --epochs 1 --set fid.samples=64 " +
                                 "--set fid.classifier=cnn-run --device cpu --run-dir gan-run", Root);
            Vae = CliProcess.Run("train vae --set data.limit=256 --batch-size 64 --epochs 1 --device cpu --run-dir vae-run", Root);
        }

        public string Root { get; }
        public CliProcess.Result Classifier { get; }
        public CliProcess.Result Gan { get; }
        public CliProcess.Result Vae { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void Training_reports_fid_for_dcgan_and_the_elbo_for_vae()
    {
        Assert.True(runs.Classifier.ExitCode == 0, runs.Classifier.ToString());
        Assert.True(runs.Gan.ExitCode == 0, runs.Gan.ToString());
        Assert.True(runs.Vae.ExitCode == 0, runs.Vae.ToString());
        Assert.Contains("fid: features of cnn-run/checkpoints/epoch=0000-step=", runs.Gan.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"epoch 1/1: .* fid \d+\.\d{4}", runs.Gan.Stdout);
        Assert.Matches(@"best checkpoint: gan-run/checkpoints/\S+ \(fid \d+\.\d{4}\)", runs.Gan.Stdout);
        Assert.Matches(@"epoch 1/1: .* val_elbo -\d+\.\d{4}", runs.Vae.Stdout);
        Assert.True(File.Exists(Path.Combine(runs.Root, "gan-run", "samples", "epoch-0001.png")));
        Assert.True(File.Exists(Path.Combine(runs.Root, "vae-run", "reconstructions", "epoch-0001.png")));
    }

    [Theory]
    [InlineData("gan-run")]
    [InlineData("vae-run")]
    public void Predict_samples_writes_n_images_and_a_grid(string run)
    {
        var result = CliProcess.Run($"predict {run} --samples 6 --out {run}-samples --seed 1", runs.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"6 samples from {run}/checkpoints/", result.Stdout, StringComparison.Ordinal);
        var dir = Path.Combine(runs.Root, $"{run}-samples");
        var files = Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["grid.png", .. Enumerable.Range(1, 6).Select(i => $"sample-000{i}.png")], files);
        foreach (var file in files.Where(f => f.StartsWith("sample", StringComparison.Ordinal)))
        {
            using var image = Image.Read(Path.Combine(dir, file));
            Assert.Equal([1, 28, 28], image.Shape);
        }

        // --json names the files; the same seed gives the same images.
        var json = CliProcess.Run($"predict {run} --samples 2 --out {run}-json --seed 1 --json", runs.Root);
        Assert.True(json.ExitCode == 0, json.ToString());
        var o = JsonNode.Parse(json.Stdout)!;
        var first = Path.Combine(runs.Root, (string)o["samples"]![0]!);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "sample-0001.png")), File.ReadAllBytes(first));
        Assert.Equal(1UL, (ulong)o["seed"]!);

        var again = CliProcess.Run($"predict {run} --samples 2 --out {run}-samples", runs.Root);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains($"{run}-samples is not empty", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_without_out_writes_under_samples_named_by_recipe()
    {
        var result = CliProcess.Run("predict vae-run --samples 1", runs.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var dir = Assert.Single(Directory.GetDirectories(Path.Combine(runs.Root, "samples")));
        Assert.StartsWith("vae-", Path.GetFileName(dir), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "sample-0001.png")));
    }

    [Fact]
    public void Samples_and_inputs_mixed_up_are_refused_with_the_right_usage()
    {
        var classifier = CliProcess.Run("predict cnn-run --samples 3", runs.Root);
        Assert.Equal(2, classifier.ExitCode);
        Assert.Contains("recipe fashion-cnn is not generative", classifier.Stderr, StringComparison.Ordinal);

        var generative = CliProcess.Run("predict gan-run /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz:0", runs.Root);
        Assert.Equal(2, generative.ExitCode);
        Assert.Contains("recipe dcgan generates new examples", generative.Stderr, StringComparison.Ordinal);
        Assert.Contains("--samples N", generative.Stderr, StringComparison.Ordinal);

        var nothing = CliProcess.Run("predict cnn-run", runs.Root);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("no inputs", nothing.Stderr, StringComparison.Ordinal);

        var both = CliProcess.Run("predict gan-run x.png --samples 2", runs.Root);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("reads no inputs", both.Stderr, StringComparison.Ordinal);

        var seedAlone = CliProcess.Run("predict cnn-run x.png --seed 2", runs.Root);
        Assert.Equal(2, seedAlone.ExitCode);
        Assert.Contains("--out and --seed go with --samples", seedAlone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_of_a_dcgan_run_reports_its_fid_on_the_fixed_test_images()
    {
        var result = CliProcess.Run("eval gan-run --json", runs.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var o = JsonNode.Parse(result.Stdout.Trim().Split('\n')[^1])!;
        var best = File.ReadLines(Path.Combine(runs.Root, "gan-run", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Single(r => (string?)r["kind"] == "epoch");
        Assert.Equal((double)best["fid"]!, (double)o["fid"]!, 1e-6);   // the same generator, noise and images as validation
    }
}
