using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Tests.Cli;

/// <summary>
/// The CLI as a user drives it, on the real fashion-mlp recipe (a small slice of Fashion-MNIST, on the CPU): a run
/// interrupted with SIGINT (the Ctrl-C path) right after its first mid-epoch checkpoint, resumed to the end, and the
/// same configuration trained without interruption; then eval, predict and runs on the result. Run once for the
/// class (<see cref="FashionRuns"/>); each test checks one promise.
/// </summary>
public sealed class CliEndToEndTests(CliEndToEndTests.FashionRuns runs) : IClassFixture<CliEndToEndTests.FashionRuns>
{
    private const string DataDir = "/usr/share/datasets/fashion-mnist";
    private const int Limit = 6000;   // 5,400 training images: 85 batches of 64 an epoch, about a second on two cores
    private static readonly string TrainArgs = $"train fashion-mlp --set data.limit={Limit} --epochs 2 --batch-size 64 " +
                                     "--set checkpoint.every_n_steps=10 --device cpu";

    public sealed class FashionRuns : IDisposable
    {
        public FashionRuns()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-cli-e2e-").FullName;
            using (var run = CliProcess.Start($"{TrainArgs} --run-dir interrupted", Root))
            {
                var checkpoints = Path.Combine(Root, "interrupted", "checkpoints");
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!run.Process.HasExited && FirstCheckpoint(checkpoints) is null && DateTime.UtcNow < deadline) Thread.Sleep(5);
                if (!run.Process.HasExited) run.Signal("INT");
                Interrupted = run.Finish();
            }
            InterruptCheckpoints = CheckpointStore.List(Path.Combine(Root, "interrupted", "checkpoints"));
            try
            {
                foreach (var c in InterruptCheckpoints) CheckpointStore.Verify(c.Path);   // before the resume prunes it
            }
            catch (CheckpointCorruptException e)
            {
                InterruptCheckpointProblem = e.Message;
            }
            RunsAfterInterrupt = CliProcess.Run("runs --root .", Root);
            Resumed = CliProcess.Run("train fashion-mlp --resume interrupted", Root);
            Uninterrupted = CliProcess.Run($"{TrainArgs} --run-dir uninterrupted", Root);
        }

        public string Root { get; }
        public CliProcess.Result Interrupted { get; }
        public IReadOnlyList<CheckpointInfo> InterruptCheckpoints { get; }
        public string? InterruptCheckpointProblem { get; }
        public CliProcess.Result RunsAfterInterrupt { get; }
        public CliProcess.Result Resumed { get; }
        public CliProcess.Result Uninterrupted { get; }

        /// <summary>PyTorch's evaluation of the resumed run's final checkpoint (fashion_mlp_oracle.py).</summary>
        public JsonObject Oracle => _oracle ??= RunOracle(FinalCheckpoint("interrupted").Path);

        private JsonObject? _oracle;

        public CheckpointInfo FinalCheckpoint(string run) => CheckpointStore.List(Path.Combine(Root, run, "checkpoints"))[^1];

        private static string? FirstCheckpoint(string directory) => Directory.Exists(directory)
            ? Directory.EnumerateDirectories(directory).FirstOrDefault(d => !Path.GetFileName(d).StartsWith('.') && File.Exists(Path.Combine(d, "manifest.json")))
            : null;

        private static JsonObject RunOracle(string checkpoint)
        {
            var script = Path.Combine(Repo.Root, "tests", "MLRoadmap.Training.Tests", "Cli", "fashion_mlp_oracle.py");
            var (code, output) = Repo.Run("/usr/bin/python3", $"\"{script}\" \"{checkpoint}\" {DataDir} {Limit} 5", timeoutMs: 120_000);
            Assert.True(code == 0, output);
            return JsonNode.Parse(output.Trim().Split('\n')[^1])!.AsObject();
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void Sigint_writes_an_interrupt_checkpoint_mid_epoch_and_exits_130()
    {
        Assert.True(runs.Interrupted.ExitCode == 130, runs.Interrupted.ToString());
        Assert.Contains("Ctrl-C: stopping at the next step", runs.Interrupted.Stderr, StringComparison.Ordinal);
        // The run stops at the step boundary after the signal and leaves a checkpoint of exactly that step: one written
        // for the interrupt, or the every-10-steps one when it stopped on such a step. The one before it is kept too
        // (two newest, so a damaged newest has a predecessor); older ones were pruned.
        var stoppedAt = long.Parse(Regex.Match(runs.Interrupted.Stdout, @"^interrupted in epoch 1/2 \(batch \d+/85\), step (\d+),", RegexOptions.Multiline)
            .Groups[1].Value, CultureInfo.InvariantCulture);
        var written = stoppedAt / 10 + (stoppedAt % 10 == 0 ? 0 : 1);   // the every-10-steps ones, and the interrupt's
        Assert.Equal(Math.Min(2, written), runs.InterruptCheckpoints.Count);
        var last = runs.InterruptCheckpoints.MaxBy(c => c.GlobalStep)!;
        Assert.Equal(stoppedAt, last.GlobalStep);
        Assert.Equal(stoppedAt % 10 == 0 ? "every_n_steps" : "interrupt", last.Reason);
        Assert.InRange(last.GlobalStep, 10, 84);   // mid-epoch: the epoch has 85 steps
        Assert.Null(runs.InterruptCheckpointProblem);
        Assert.Contains($"resume with: mlroadmap train fashion-mlp --resume interrupted", runs.Interrupted.Stdout, StringComparison.Ordinal);
        Assert.Contains("interrupted  fashion-mlp  interrupted", runs.RunsAfterInterrupt.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_resumed_run_ends_with_the_uninterrupted_runs_weights_bit_for_bit()
    {
        Assert.True(runs.Resumed.ExitCode == 0, runs.Resumed.ToString());
        Assert.True(runs.Uninterrupted.ExitCode == 0, runs.Uninterrupted.ToString());
        Assert.Contains("resuming interrupted", runs.Resumed.Stdout, StringComparison.Ordinal);
        var resumed = runs.FinalCheckpoint("interrupted");
        var reference = runs.FinalCheckpoint("uninterrupted");
        Assert.Equal(170, resumed.GlobalStep);
        Assert.Equal(reference.GlobalStep, resumed.GlobalStep);
        Assert.Equal(File.ReadAllBytes(Path.Combine(reference.Path, CheckpointStore.ModelFile)),
            File.ReadAllBytes(Path.Combine(resumed.Path, CheckpointStore.ModelFile)));
        // Every logged row too (losses, validation values), and the effective configuration.
        Assert.Equal(File.ReadAllText(Path.Combine(runs.Root, "uninterrupted", "metrics.jsonl")),
            File.ReadAllText(Path.Combine(runs.Root, "interrupted", "metrics.jsonl")));
        Assert.Equal(File.ReadAllText(Path.Combine(runs.Root, "uninterrupted", "config.json")),
            File.ReadAllText(Path.Combine(runs.Root, "interrupted", "config.json")));
        Assert.Contains("epoch 2/2:  train_loss", runs.Resumed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_prints_the_test_accuracy_PyTorch_computes_from_the_checkpoint()
    {
        var text = CliProcess.Run("eval interrupted", runs.Root);
        Assert.True(text.ExitCode == 0, text.ToString());
        var printed = text.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith("test_acc", StringComparison.Ordinal));
        var printedAcc = double.Parse(printed.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

        var json = CliProcess.Run("eval interrupted --json", runs.Root);
        Assert.True(json.ExitCode == 0, json.ToString());
        var metrics = JsonNode.Parse(json.Stdout)!.AsObject();
        Assert.Equal(runs.FinalCheckpoint("interrupted").Path, Path.Combine(runs.Root, (string)metrics["checkpoint"]!));
        var acc = (double)metrics["test_acc"]!;
        Assert.Equal(Math.Round(acc, 4), printedAcc);
        // PyTorch normalises with a mean and std it computes itself; they may move one borderline image.
        Assert.InRange(acc, (double)runs.Oracle["test_acc"]! - 1.0 / Limit, (double)runs.Oracle["test_acc"]! + 1.0 / Limit);
        Assert.Equal((double)runs.Oracle["test_loss"]!, (double)metrics["test_loss"]!, 1e-4);
        Assert.InRange(acc, 0.7, 1.0);   // a model that learnt, not chance (0.1)
    }

    [Fact]
    public void Predict_gives_PyTorchs_probabilities_for_idx_selections_and_csv_rows()
    {
        var idx = CliProcess.Run($"predict interrupted {DataDir}/t10k-images-idx3-ubyte.gz:0-4 --top-k 10 --json", runs.Root);
        Assert.True(idx.ExitCode == 0, idx.ToString());
        var rows = idx.Stdout.Trim().Split('\n').Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(5, rows.Count);
        string[] classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"t10k-images-idx3-ubyte.gz[{i}]", (string)rows[i]["input"]!);
            var expected = runs.Oracle["probs"]![i]!.AsArray().Select(p => (double)p!).ToArray();
            foreach (var top in rows[i]["top"]!.AsArray())
                Assert.Equal(expected[Array.IndexOf(classes, (string)top!["label"]!)], (double)top["score"]!, 1e-5);
            Assert.Equal(classes[Array.IndexOf(expected, expected.Max())], (string)rows[i]["label"]!);
        }

        // The same two images as CSV rows (with a header and a label column) predict the same.
        var csv = Path.Combine(runs.Root, "two.csv");
        File.WriteAllText(csv, CsvOfFirstTestImages(2));
        var fromCsv = CliProcess.Run($"predict interrupted {csv} --json --top-k 1", runs.Root);
        Assert.True(fromCsv.ExitCode == 0, fromCsv.ToString());
        var csvRows = fromCsv.Stdout.Trim().Split('\n').Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["two.csv:2", "two.csv:3"], csvRows.Select(r => (string)r["input"]!));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal((string)rows[i]["label"]!, (string)csvRows[i]["label"]!);
            Assert.Equal((double)rows[i]["score"]!, (double)csvRows[i]["score"]!, 1e-6);   // another batch shape: float rounding may differ
        }
    }

    [Fact]
    public void Runs_lists_both_runs_completed_with_their_best_validation_accuracy()
    {
        var result = CliProcess.Run("runs --root .", runs.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Trim().Split('\n');
        Assert.StartsWith("run ", lines[0], StringComparison.Ordinal);
        foreach (var name in new[] { "interrupted", "uninterrupted" })
        {
            var line = lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            var bestOfRun = File.ReadLines(Path.Combine(runs.Root, name, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
                .Where(r => (string?)r["kind"] == "epoch").Max(r => (double)r["val_acc"]!);
            Assert.Contains("fashion-mlp  completed", line, StringComparison.Ordinal);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"val_acc {bestOfRun:F4}"), line, StringComparison.Ordinal);
            Assert.Contains(" 170  ", line, StringComparison.Ordinal);
            Assert.EndsWith(runs.FinalCheckpoint(name).Name, line, StringComparison.Ordinal);
        }
    }

    // The first test images as CSV: a header, then "label,p0,...,p783" per image.
    private static string CsvOfFirstTestImages(int count)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(DataDir, "t10k-images-idx3-ubyte.gz")), CompressionMode.Decompress);
        var bytes = new byte[16 + count * 784];
        gz.ReadExactly(bytes);
        var sb = new StringBuilder("label," + string.Join(',', Enumerable.Range(0, 784).Select(i => $"pixel{i}")) + "\n");
        for (var i = 0; i < count; i++)
            sb.Append("0,").AppendJoin(',', bytes.Skip(16 + i * 784).Take(784)).Append('\n');
        return sb.ToString();
    }
}
