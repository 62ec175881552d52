using System.Text.Json.Nodes;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// char-lstm and gpt through the real CLI, each trained for an epoch on 200 fortunes at a tiny size (seconds): the
/// run reports bits per character and per byte and writes samples; eval reports them on the test fortunes; predict
/// continues a prompt (text and --json, the same seed giving the same text, --temperature 0 the most likely tokens),
/// refuses characters the vocabulary lacks and options that are not a language model's; and a classifier refuses
/// the language-model options.
/// </summary>
public sealed class LanguageModelRecipeTests(LanguageModelRecipeTests.Runs runs) : IClassFixture<LanguageModelRecipeTests.Runs>
{
    public sealed class Runs : IDisposable
    {
        public Runs()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-lm-").FullName;
            const string tiny = "--epochs 1 --device cpu --set data.limit=200 --set data.seq_len=32 --set sample.tokens=30";
            Lstm = CliProcess.Run($"train char-lstm {tiny} --set model.hidden_size=32 --run-dir lstm-run", Root, 180_000);
            Gpt = CliProcess.Run($"train gpt {tiny} --set model.width=32 --set model.layers=1 --set model.vocab_size=300 --run-dir gpt-run", Root, 180_000);
        }

        public string Root { get; }
        public CliProcess.Result Lstm { get; }
        public CliProcess.Result Gpt { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    private CliProcess.Result Cli(string arguments) => CliProcess.Run(arguments, runs.Root, 180_000);

    [Theory]
    [InlineData("lstm-run", "val_bpc")]
    [InlineData("gpt-run", "val_bpb")]
    public void Training_reports_bits_and_writes_samples(string run, string monitor)
    {
        var result = run == "lstm-run" ? runs.Lstm : runs.Gpt;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"epoch 1/1: .*val_bpb \d+\.\d{4}\s+val_bpc \d+\.\d{4}", result.Stdout);
        Assert.Matches($@"best checkpoint: {run}/checkpoints/\S+ \({monitor} \d+\.\d{{4}}\)", result.Stdout);
        var samples = File.ReadAllText(Path.Combine(runs.Root, run, "samples.txt"));
        Assert.StartsWith("==== epoch 1 (temperature 0.8, top-k all, seed 1234)\n", samples, StringComparison.Ordinal);
        Assert.Contains("---- prompt \"The computer \"\nThe computer ", samples, StringComparison.Ordinal);

        // Validation over the whole split: val_loss (nats per token) and the bits agree for characters.
        var epoch = File.ReadLines(Path.Combine(runs.Root, run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Single(r => (string?)r["kind"] == "epoch");
        var bits = (double)epoch[monitor]!;
        Assert.InRange(bits, 1.0, 9.0);
        if (run == "lstm-run") Assert.Equal((double)epoch["val_loss"]! / Math.Log(2), (double)epoch["val_bpc"]!, 2);
    }

    [Theory]
    [InlineData("lstm-run")]
    [InlineData("gpt-run")]
    public void Eval_reports_test_bits(string run)
    {
        var eval = Cli($"eval {run} --json");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var o = JsonNode.Parse(eval.Stdout.Trim().Split('\n')[^1])!;
        Assert.InRange((double)o["test_bpc"]!, 1.0, 9.0);
        Assert.InRange((double)o["test_bpb"]!, 1.0, 9.0);
    }

    [Theory]
    [InlineData("lstm-run")]
    [InlineData("gpt-run")]
    public void Predict_continues_a_prompt_repeatably(string run)
    {
        var text = Cli($"predict {run} \"The computer\" --max-tokens 25 --temperature 0.8 --top-k 10 --seed 5");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.StartsWith("The computer", text.Stdout, StringComparison.Ordinal);

        var json = Cli($"predict {run} \"The computer\" --max-tokens 25 --temperature 0.8 --top-k 10 --seed 5 --json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var o = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("The computer", (string)o["prompt"]!);
        Assert.Equal(25, (int)o["tokens"]!);
        Assert.Equal(10, (int)o["top_k"]!);
        Assert.Equal("The computer" + (string)o["continuation"]! + "\n", text.Stdout);   // the same seed, the same text

        var other = Cli($"predict {run} \"The computer\" --max-tokens 25 --temperature 0.8 --top-k 10 --seed 6 --json");
        Assert.NotEqual((string)o["continuation"]!, (string)JsonNode.Parse(other.Stdout)!["continuation"]!);

        // Greedy decoding depends on no seed; an empty prompt starts a new fortune.
        var greedy1 = Cli($"predict {run} \"\" --max-tokens 10 --temperature 0 --seed 1 --json");
        var greedy2 = Cli($"predict {run} \"\" --max-tokens 10 --temperature 0 --seed 2 --json");
        Assert.True(greedy1.ExitCode == 0, greedy1.ToString());
        Assert.Equal((string)JsonNode.Parse(greedy1.Stdout)!["continuation"]!, (string)JsonNode.Parse(greedy2.Stdout)!["continuation"]!);
    }

    [Theory]
    [InlineData("lstm-run", "WordLevel")]
    [InlineData("gpt-run", "BPE")]
    public void The_checkpoint_carries_its_tokenizer_so_predict_needs_no_data(string run, string model)
    {
        // The tokenizer is a Hugging Face tokenizer.json inside every checkpoint.
        var checkpoint = Directory.GetDirectories(Path.Combine(runs.Root, run, "checkpoints")).Order(StringComparer.Ordinal).Last();
        var json = Path.Combine(checkpoint, "artifacts", "tokenizer.json");
        Assert.Equal(model, (string?)JsonNode.Parse(File.ReadAllText(json))!["model"]!["type"]);
        Assert.True(Text.Tokenizers.Tokenizer.FromFile(json).VocabSize > 30);

        // A copy of the run whose data is gone predicts exactly as the run does.
        var copy = Path.Combine(runs.Root, run + "-moved");
        CopyDirectory(Path.Combine(runs.Root, run), copy);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "config.json")))!;
        config["data"]!["path"] = Path.Combine(runs.Root, "no-such-corpus");
        File.WriteAllText(Path.Combine(copy, "config.json"), config.ToJsonString());
        const string args = "\"The computer\" --max-tokens 20 --temperature 0.8 --seed 3";
        var original = Cli($"predict {run} {args}");
        var moved = Cli($"predict {run}-moved {args}");
        Assert.True(moved.ExitCode == 0, moved.ToString());
        Assert.Equal(original.Stdout, moved.Stdout);

        // eval does need the data, and says which.
        var eval = Cli($"eval {run}-moved");
        Assert.NotEqual(0, eval.ExitCode);
        Assert.Contains("no-such-corpus does not exist", eval.Stderr, StringComparison.Ordinal);

        // A damaged tokenizer is caught by the checkpoint's checksums before anything runs.
        var tokenizer = Directory.GetFiles(Path.Combine(copy, "checkpoints"), "tokenizer.json", SearchOption.AllDirectories);
        foreach (var t in tokenizer)
        {
            var bytes = File.ReadAllBytes(t);
            bytes[^2] ^= 0x20;   // the same size, other bytes
            File.WriteAllBytes(t, bytes);
        }
        var damaged = Cli($"predict {run}-moved {args}");
        Assert.NotEqual(0, damaged.ExitCode);
        Assert.Contains("tokenizer.json", damaged.Stderr, StringComparison.Ordinal);
        Assert.Contains("checksum", damaged.Stderr, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    [Fact]
    public void Predict_refuses_what_a_language_model_cannot_take()
    {
        var unknown = Cli("predict lstm-run \"naïve ☃\"");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("characters the model's vocabulary lacks", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("'☃' (U+2603)", unknown.Stderr, StringComparison.Ordinal);

        var bpe = Cli("predict gpt-run \"naïve ☃\" --max-tokens 3");   // a byte-level BPE reads anything
        Assert.True(bpe.ExitCode == 0, bpe.ToString());

        var none = Cli("predict lstm-run");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("no prompt", none.Stderr, StringComparison.Ordinal);

        var topK = Cli("predict gpt-run x --top-k 100000");
        Assert.Equal(2, topK.ExitCode);
        Assert.Contains("topK must be between 1 and the vocabulary size 300", topK.Stderr, StringComparison.Ordinal);

        var temperature = Cli("predict gpt-run x --temperature -1");
        Assert.Equal(2, temperature.ExitCode);
        Assert.Contains("--temperature must be a number ≥ 0", temperature.Stderr, StringComparison.Ordinal);

        var samples = Cli("predict gpt-run --samples 2");
        Assert.Equal(2, samples.ExitCode);
        Assert.Contains("recipe gpt is not generative", samples.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_classifier_refuses_the_language_model_options()
    {
        var train = Cli("train fashion-mlp --epochs 1 --device cpu --set data.limit=256 --run-dir mlp-run");
        Assert.True(train.ExitCode == 0, train.ToString());
        var input = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz:0";
        foreach (var option in new[] { "--max-tokens 5", "--temperature 0.5" })
        {
            var r = Cli($"predict mlp-run {input} {option}");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("--max-tokens and --temperature are for language models; recipe fashion-mlp is not one", r.Stderr, StringComparison.Ordinal);
        }
        var topK = Cli($"predict mlp-run {input} --top-k 2 --json");
        Assert.True(topK.ExitCode == 0, topK.ToString());
        Assert.Equal(2, JsonNode.Parse(topK.Stdout)!["top"]!.AsArray().Count);
    }
}
