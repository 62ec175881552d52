using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// text-lstm and text-transformer through the real CLI: seconds-long smoke runs on the fortunes default, and the
/// three data.path formats (class folders, aclImdb, CSV with quoted commas and line breaks) written here. The
/// synthetic classes use words of their own among shared filler, so a few epochs must learn them: a reader that
/// scrambled texts or labels would leave the accuracy at chance. Bad inputs must fail with the problem named.
/// </summary>
public sealed class TextRecipeTests : IDisposable
{
    private const string Tiny = "--set data.vocab_size=300 --set data.max_tokens=32 --set trainer.log_every_n_steps=5";
    private const string TinyLstm = Tiny + " --set model.embedding_dim=16 --set model.hidden_size=16";
    private const string TinyTransformer = Tiny + " --set model.d_model=16 --set model.num_heads=2 --set model.dim_feedforward=32 --set optim.lr=1e-2";
    private static readonly string[] Topics = ["apple pear plum fig grape", "code bug linux kernel disk", "vote law senate party court"];
    private static readonly string[] Names = ["fruit", "computing", "politics"];
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-text-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private CliProcess.Result Cli(string arguments)
    {
        var result = CliProcess.Run(arguments, _root, timeoutMs: 240_000);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static JsonObject Eval(CliProcess.Result eval) => JsonNode.Parse(eval.Stdout)!.AsObject();

    private static List<JsonObject> JsonLines(CliProcess.Result result) =>
        result.Stdout.Trim().Split('\n').Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Theory]
    [InlineData("text-lstm", TinyLstm)]
    [InlineData("text-transformer", TinyTransformer)]
    public void Smoke_run_on_fortunes_trains_evaluates_with_the_baseline_and_predicts(string recipe, string tiny)
    {
        Cli($"train {recipe} --run-dir smoke --epochs 1 {tiny} --set data.limit_per_class=40");
        Assert.True(File.Exists(Path.Combine(_root, "smoke", "tokenizer.json")));
        Assert.Equal(["computers", "definitions", "politics", "science", "songs-poems"], File.ReadAllLines(Path.Combine(_root, "smoke", "classes.txt")));
        var eval = Eval(Cli("eval smoke --json"));
        foreach (var key in new[] { "test_acc", "test_f1", "baseline_test_acc", "baseline_test_f1" })
            Assert.InRange((double)eval[key]!, 0.0, 1.0);
        var lines = Path.Combine(_root, "lines.txt");
        File.WriteAllText(lines, "Unix is user friendly.\n\nIt is just picky about its friends.\n");
        var rows = JsonLines(Cli($"predict smoke \"The senate voted today\" {lines} --top-k 5 --json"));
        Assert.Equal(["The senate voted today", $"{lines}:1", $"{lines}:3"], rows.Select(r => (string)r["input"]!));
        foreach (var row in rows)
        {
            var scores = row["top"]!.AsArray().Select(t => (double)t!["score"]!).ToArray();
            Assert.Equal(5, scores.Length);
            Assert.Equal(1.0, scores.Sum(), 5);
            Assert.Equal(scores.OrderByDescending(s => s), scores);
        }
    }

    [Theory]
    [InlineData("text-lstm", TinyLstm)]
    [InlineData("text-transformer", TinyTransformer)]
    public void Class_folders_train_to_the_synthetic_classes(string recipe, string tiny)
    {
        var dir = Path.Combine(_root, "folders");
        var random = new Random(1);
        for (var c = 0; c < 3; c++)
        {
            Directory.CreateDirectory(Path.Combine(dir, Names[c]));
            for (var i = 0; i < 60; i++) File.WriteAllText(Path.Combine(dir, Names[c], $"{i}.txt"), Text(random, c));
        }
        Cli($"train {recipe} --run-dir run --epochs 6 --batch-size 16 {tiny} --set data.path={dir}");
        var eval = Eval(Cli("eval run --json"));
        Assert.True((double)eval["test_acc"]! >= 0.8, eval.ToJsonString());
        var rows = JsonLines(Cli("predict run \"apple fig and the grape\" \"the senate and the court\" --top-k 1 --json"));
        Assert.Equal(["fruit", "politics"], rows.Select(r => (string)r["label"]!));

        // The checkpoint carries the tokenizer and the classes: with the data gone, predict gives the same answers.
        var checkpoint = Directory.GetDirectories(Path.Combine(_root, "run", "checkpoints")).First();
        Assert.Equal(Names.Order(StringComparer.Ordinal), JsonSerializer.Deserialize<string[]>(File.ReadAllBytes(Path.Combine(checkpoint, "artifacts", "classes.json"))));
        Directory.Delete(dir, recursive: true);
        var again = JsonLines(Cli("predict run \"apple fig and the grape\" \"the senate and the court\" --top-k 1 --json"));
        Assert.Equal(rows.Select(r => r.ToJsonString()), again.Select(r => r.ToJsonString()));
        var eval2 = CliProcess.Run("eval run", _root, timeoutMs: 240_000);
        Assert.NotEqual(0, eval2.ExitCode);
        Assert.Contains(dir, eval2.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Acl_imdb_layout_uses_its_test_split_and_ignores_unsup()
    {
        var dir = Path.Combine(_root, "aclImdb");
        var random = new Random(2);
        foreach (var split in new[] { "train", "test" })
            for (var c = 0; c < 2; c++)
            {
                var folder = Path.Combine(dir, split, c == 0 ? "neg" : "pos");
                Directory.CreateDirectory(folder);
                for (var i = 0; i < (split == "train" ? 60 : 25); i++) File.WriteAllText(Path.Combine(folder, $"{i}_{c}.txt"), Text(random, c));
            }
        Directory.CreateDirectory(Path.Combine(dir, "train", "unsup"));
        File.WriteAllText(Path.Combine(dir, "train", "unsup", "0_0.txt"), "unlabelled");
        Cli($"train text-lstm --run-dir run --epochs 4 --batch-size 16 {TinyLstm} --set data.path={dir}");
        Assert.Equal(["neg", "pos"], File.ReadAllLines(Path.Combine(_root, "run", "classes.txt")));
        var eval = Eval(Cli("eval run --json"));
        Assert.True((double)eval["test_acc"]! >= 0.8, eval.ToJsonString());
    }

    [Fact]
    public void Csv_with_quoted_commas_and_line_breaks_trains_and_names_its_labels()
    {
        var random = new Random(3);
        var csv = new StringBuilder("id,label,text\n");
        for (var i = 0; i < 180; i++)
        {
            var c = i % 3;
            // Commas, doubled quotes and a line break inside quoted fields: a naive split would shift the columns.
            csv.Append(i).Append(',').Append(Names[c]).Append(",\"").Append(Text(random, c).Replace(" ", ", ", StringComparison.Ordinal))
                .Append(" \"\"quoted\"\"\nsecond line\"\n");
        }
        var path = Path.Combine(_root, "texts.csv");
        File.WriteAllText(path, csv.ToString());
        Cli($"train text-transformer --run-dir run --epochs 6 --batch-size 16 {TinyTransformer} --set data.path={path}");
        Assert.Equal(["computing", "fruit", "politics"], File.ReadAllLines(Path.Combine(_root, "run", "classes.txt")));
        var eval = Eval(Cli("eval run --json"));
        Assert.True((double)eval["test_acc"]! >= 0.8, eval.ToJsonString());
    }

    [Fact]
    public void Bad_inputs_fail_with_the_problem_named()
    {
        void Fails(string data, string message)
        {
            var r = CliProcess.Run($"train text-lstm --run-dir bad --epochs 1 {TinyLstm} --set data.path={data}", _root);
            Assert.True(r.ExitCode != 0, r.ToString());
            Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        }
        Fails(Path.Combine(_root, "nowhere"), "does not exist");

        var csv = Path.Combine(_root, "nolabel.csv");
        File.WriteAllText(csv, "text,category\nhello there,a\n");
        Fails(csv, "no column named 'label'");

        var folders = Path.Combine(_root, "folders");
        Directory.CreateDirectory(Path.Combine(folders, "empty"));
        Directory.CreateDirectory(Path.Combine(folders, "full"));
        for (var i = 0; i < 10; i++) File.WriteAllText(Path.Combine(folders, "full", $"{i}.txt"), "some text");
        Fails(folders, "empty holds no files");

        var few = Path.Combine(_root, "few");
        Directory.CreateDirectory(Path.Combine(few, "a"));
        Directory.CreateDirectory(Path.Combine(few, "b"));
        for (var i = 0; i < 10; i++) File.WriteAllText(Path.Combine(few, "a", $"{i}.txt"), "some text");
        File.WriteAllText(Path.Combine(few, "b", "0.txt"), "alone");
        Fails(few, "class 'b' has 1 text(s): too few");
    }

    // Five to twelve words: a class's own words among filler shared by all classes (about 1 text in 30 has none of its
    // own words, so no model is perfect; 80% is far above the 33-50% of chance).
    private static string Text(Random random, int c)
    {
        string[] filler = ["the", "and", "of", "a", "to", "is"];
        var own = Topics[c].Split(' ');
        return string.Join(' ', Enumerable.Range(0, random.Next(5, 13)).Select(_ => random.Next(2) == 0 ? own[random.Next(own.Length)] : filler[random.Next(filler.Length)]));
    }
}
