using MLRoadmap.Recipes.FashionMlp;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Cli;

/// <summary>Binding a run configuration from defaults, YAML and JSON files, --set and flags: precedence, key names,
/// and the messages for unknown keys and bad values.</summary>
public sealed class ConfigBindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FashionMlpConfig Bind(params ConfigEntry[] entries) => ConfigBinder.Bind(new FashionMlpConfig(), entries, "fashion-mlp");

    private static ConfigEntry Set(string assignment) => ConfigSources.FromAssignment(assignment);

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_issue_keys_exist_in_dotted_snake_case()
    {
        var names = ConfigSchema.For(typeof(FashionMlpConfig)).SortedNames;
        string[] expected =
        [
            "seed", "trainer.max_epochs", "trainer.max_steps", "trainer.precision", "trainer.accumulate_grad_batches",
            "trainer.gradient_clip_val", "trainer.device", "trainer.log_every_n_steps", "checkpoint.every_n_steps",
            "checkpoint.save_top_k", "early_stopping.patience", "data.batch_size", "data.workers", "data.path", "data.limit",
            "optim.lr", "optim.weight_decay", "model.hidden", "model.layers", "model.dropout",
        ];
        foreach (var key in expected) Assert.Contains(key, names);
    }

    [Fact]
    public void No_entries_give_the_defaults_and_the_json_round_trips()
    {
        var config = Bind();
        Assert.Equal(new FashionMlpConfig(), config);
        Assert.Equal(5, config.Trainer.MaxEpochs);           // the recipe's default
        Assert.Equal(128, config.Data.BatchSize);
        Assert.Null(config.Trainer.MaxSteps);
        var changed = Bind(Set("seed=18446744073709551615"), Set("trainer.max_steps=7"), Set("optim.lr=0.1"), Set("data.path=null"));
        var json = ConfigBinder.ToJson(changed, "fashion-mlp");
        Assert.Equal("fashion-mlp", (string)json["recipe"]!);
        Assert.Equal(changed, ConfigBinder.Bind(new FashionMlpConfig(), ConfigSources.FromJson(json, "config.json"), "fashion-mlp"));
        Assert.Equal(ulong.MaxValue, changed.Seed);
        Assert.Null(changed.Data.Path);
    }

    [Fact]
    public void Yaml_takes_nested_maps_and_dotted_keys_and_json_files_work_too()
    {
        var yaml = File("c.yaml", "# a comment\nseed: 3\ntrainer:\n  max_epochs: 7\n  precision: bf16-mixed\noptim.lr: 2.5e-4\n" +
                                  "early_stopping:\n  patience: ~\ndata.limit: 60_000\nmodel: {hidden: 64}\n");
        var fromYaml = Bind([.. ConfigSources.FromFile(yaml)]);
        Assert.Equal(3UL, fromYaml.Seed);
        Assert.Equal(7, fromYaml.Trainer.MaxEpochs);
        Assert.Equal("bf16-mixed", fromYaml.Trainer.Precision);
        Assert.Equal(2.5e-4, fromYaml.Optim.Lr);
        Assert.Null(fromYaml.EarlyStopping.Patience);
        Assert.Equal(60000, fromYaml.Data.Limit);
        Assert.Equal(64, fromYaml.Model.Hidden);

        var json = File("c.json", "{\"seed\": 3, \"trainer\": {\"max_epochs\": 7, \"precision\": \"bf16-mixed\"}, \"optim.lr\": 2.5e-4, " +
                                  "\"early_stopping\": {\"patience\": null}, \"data\": {\"limit\": 60000}, \"model\": {\"hidden\": 64}, // comment\n}");
        Assert.Equal(fromYaml, Bind([.. ConfigSources.FromFile(json)]));
    }

    [Fact]
    public void Later_sources_win_file_then_set_then_flags()
    {
        var yaml = File("c.yaml", "trainer: {max_epochs: 2}\ndata: {batch_size: 16, workers: 0}\noptim: {lr: 0.5}\n");
        var config = Bind([
            .. ConfigSources.FromFile(yaml),
            Set("data.batch_size=32"), Set("optim.lr=0.25"),
            new ConfigEntry("optim.lr", "0.125", "--lr"),
        ]);
        Assert.Equal(2, config.Trainer.MaxEpochs);   // file over default
        Assert.Equal(0, config.Data.Workers);        // file over default
        Assert.Equal(32, config.Data.BatchSize);     // --set over file
        Assert.Equal(0.125, config.Optim.Lr);        // flag over --set over file
    }

    [Fact]
    public void An_unknown_key_is_refused_listing_every_valid_key_sorted()
    {
        var e = Assert.Throws<ConfigException>(() => Bind(Set("max_epochs=3"), Set("model.width=3")));
        var names = ConfigSchema.For(typeof(FashionMlpConfig)).SortedNames;
        Assert.Equal(
            "--set max_epochs=3: unknown config key 'max_epochs' (did you mean trainer.max_epochs?)\n" +
            "--set model.width=3: unknown config key 'model.width'\n" +
            "valid keys:\n  " + string.Join("\n  ", names),
            e.Message);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(ConfigSchema.For(typeof(FashionMlpConfig)).Keys.Count, names.Count);
    }

    [Theory]
    [InlineData("data.batch_size=0", "bad value for data.batch_size: '0' is out of range; expected an integer ≥ 1")]
    [InlineData("data.batch_size=1.5", "bad value for data.batch_size: '1.5' is not a whole number that fits in 32 bits; expected an integer ≥ 1")]
    [InlineData("data.batch_size=null", "bad value for data.batch_size: 'null' is not allowed; expected an integer ≥ 1")]
    [InlineData("trainer.max_steps=-3", "bad value for trainer.max_steps: '-3' is out of range; expected an integer ≥ 1 or null")]
    [InlineData("trainer.precision=fp8", "bad value for trainer.precision: 'fp8' is not an allowed value; expected one of fp32, bf16-mixed, fp16-mixed")]
    [InlineData("trainer.device=gpu:1", "bad value for trainer.device: 'gpu:1' is not in the expected form; expected auto, cpu, cuda or cuda:N")]
    [InlineData("trainer.deterministic=maybe", "bad value for trainer.deterministic: 'maybe' is not a boolean; expected true or false")]
    [InlineData("optim.lr=0", "bad value for optim.lr: '0' is out of range; expected a positive number")]
    [InlineData("optim.lr=nan", "bad value for optim.lr: 'nan' is not a finite number; expected a positive number")]
    [InlineData("seed=-1", "bad value for seed: '-1' is not a whole number from 0 to 18446744073709551615; expected an integer ≥ 0")]
    [InlineData("model.dropout=1", "bad value for model.dropout: '1' is out of range; expected a number in [0, 0.95]")]
    public void A_bad_value_names_the_key_the_value_and_what_is_expected(string assignment, string message)
    {
        var e = Assert.Throws<ConfigException>(() => Bind(Set(assignment)));
        Assert.Equal($"--set {assignment}: {message}", e.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_the_config_names_its_recipe()
    {
        var e = Assert.Throws<ConfigException>(() => Bind(
            new ConfigEntry("recipe", "other", "run/config.json (recipe)"), Set("data.workers=-1"), Set("trainer.max_epochs=x")));
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains("run/config.json (recipe): this configuration is for recipe 'other', not 'fashion-mlp'", e.Message, StringComparison.Ordinal);
        Assert.Contains("data.workers", e.Message, StringComparison.Ordinal);
        Assert.Contains("trainer.max_epochs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_sources_are_refused_with_where()
    {
        Assert.Contains("expected key=value", Assert.Throws<ConfigException>(() => Set("trainer.max_epochs")).Message, StringComparison.Ordinal);
        var yaml = File("bad.yaml", "trainer:\n  max_epochs: [1, 2]\n");
        Assert.Equal($"{yaml} line 2: 'trainer.max_epochs' is a list; config keys hold single values",
            Assert.Throws<ConfigException>(() => ConfigSources.FromFile(yaml)).Message);
        var broken = File("broken.yaml", "trainer: {max_epochs: 2\n");
        Assert.StartsWith($"{broken} is not valid YAML (line ", Assert.Throws<ConfigException>(() => ConfigSources.FromFile(broken)).Message, StringComparison.Ordinal);
        var json = File("bad.json", "{\"seed\": 1,,}");
        Assert.StartsWith($"{json} is not valid JSON (line 1", Assert.Throws<ConfigException>(() => ConfigSources.FromFile(json)).Message, StringComparison.Ordinal);
        Assert.Equal($"config file {Path.Combine(_dir, "none.yaml")} does not exist",
            Assert.Throws<ConfigException>(() => ConfigSources.FromFile(Path.Combine(_dir, "none.yaml"))).Message);
    }

    [Fact]
    public void Every_setting_needs_a_reason_and_recipes_can_restate_a_changed_default()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ConfigSchema.For(typeof(NoReasonConfig)));
        Assert.Contains("NoReasonModel.Width ('model.width') is a setting without a [Setting(\"why\")] attribute", e.Message, StringComparison.Ordinal);
        var schema = ConfigSchema.For(typeof(FashionMlpConfig));
        Assert.True(schema.TryGetKey("data.batch_size", out var batch));
        Assert.StartsWith("128: ", batch.Reason, StringComparison.Ordinal);
        Assert.True(schema.TryGetKey("data.workers", out var workers));
        Assert.Equal(workers.Setting.Reason, workers.Reason);
    }

    [Fact]
    public void Run_setup_maps_the_keys_onto_trainer_options()
    {
        var config = Bind(Set("trainer.max_steps=9"), Set("trainer.precision=bf16-mixed"), Set("trainer.device=cpu"),
            Set("trainer.gradient_clip_val=0.5"), Set("trainer.gradient_clip_algorithm=value"), Set("seed=4"));
        var options = RunSetup.TrainerOptions(config, "run");
        Assert.Equal(9, options.MaxSteps);
        Assert.Equal(Precision.BFloat16Mixed, options.Precision);
        Assert.Equal(Device.CPU, options.Device);
        Assert.Equal(0.5, options.GradientClipValue);
        Assert.Equal(GradientClipAlgorithm.Value, options.GradientClipAlgorithm);
        Assert.Equal(4UL, options.Seed);
        Assert.Equal("run", options.RunDirectory);
        var defaults = RunSetup.TrainerOptions(Bind(), null);
        Assert.Equal(-1, defaults.MaxSteps);
        Assert.Null(defaults.Device);   // auto: the trainer picks
    }

    private sealed record NoReasonModel
    {
        public int Width { get; init; } = 3;
    }

    private sealed record NoReasonConfig : RunConfig<DataSettings, NoReasonModel>;
}
