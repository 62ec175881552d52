using MLRoadmap.Recipes.FashionMlp;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Cli;

/// <summary>The CLI refuses bad command lines and configurations with exit code 2 and a message that says what to
/// do, before loading any data or creating a run directory.</summary>
public sealed class CliUsageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-cli-usage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("1", null, 1)]
    [InlineData("2", null, 2)]
    [InlineData("2", "1", 1)]
    public void BLAS_threads_follow_the_intra_op_count_by_how_the_BLAS_keeps_its_threads(string threads, string? blas,
        int sharedBlas)
    {
        // On OpenMP, OpenBLAS uses libtorch's own pool: the same count (1 when told). A pthread OpenBLAS keeps a pool of
        // its own, which spins against libtorch's: one thread, unless told; MLROADMAP_NUM_THREADS=1 means one core.
        var r = CliProcess.Run("doctor", _dir, environment: new Dictionary<string, string?>
        {
            ["MLROADMAP_NUM_THREADS"] = threads,
            ["MLROADMAP_BLAS_THREADS"] = blas,
            ["OPENBLAS_NUM_THREADS"] = null,
        });
        var expected = Torch.BlasPool switch
        {
            BlasPool.Shared => $"{threads} intra-op threads, {sharedBlas} BLAS thread(s) on libtorch's OpenMP pool",
            BlasPool.Own => $"{threads} intra-op threads, {blas ?? "1"} BLAS thread(s) in OpenBLAS's own pool",
            var other => throw new InvalidOperationException($"this test expects OpenBLAS (the bootstrap installs it), not {other}"),
        };
        Assert.Contains(expected, r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "matmul on, convolutions on")]
    [InlineData("0", "matmul off, convolutions off")]
    public void TF32_is_on_from_load_unless_MLROADMAP_TF32_is_0(string? tf32, string expected)
    {
        var r = CliProcess.Run("doctor", _dir, environment: new Dictionary<string, string?> { ["MLROADMAP_TF32"] = tf32 });
        Assert.Contains(r.Stdout.Split('\n'), l => l.Contains("TF32", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_engine_runs_OpenBLAS_on_libtorchs_OpenMP_pool_or_MKL()
    {
        // With Debian's libtorch, scripts/bootstrap.sh installs libopenblas0-openmp and the native build links it ahead
        // of the system's BLAS alternative, which may still point at the pthread build. The official libtorch has MKL.
        if (Torch.Blas.Name.StartsWith("OpenBLAS", StringComparison.Ordinal))
        {
            Assert.Equal(BlasPool.Shared, Torch.BlasPool);
            Assert.Contains("USE_OPENMP", Torch.Blas.Name, StringComparison.Ordinal);
            Assert.Contains("openblas-openmp", Torch.Blas.Path, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(BlasPool.Mkl, Torch.BlasPool);
        }
    }

    [Fact]
    public void Recipes_lists_fashion_mlp_on_a_line_with_its_description()
    {
        var r = CliProcess.Run("recipes", _dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains(r.Stdout.Split('\n'), l => l.StartsWith("fashion-mlp  ", StringComparison.Ordinal) &&
                                                   l.EndsWith(new FashionMlpRecipe().Description, StringComparison.Ordinal));
    }

    [Fact]
    public void Recipes_with_a_name_lists_every_key_with_its_default_and_reason()
    {
        var r = CliProcess.Run("recipes fashion-mlp", _dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var schema = ConfigSchema.For(typeof(FashionMlpConfig));
        foreach (var name in schema.SortedNames)
        {
            schema.TryGetKey(name, out var key);
            Assert.Contains(r.Stdout.Split('\n'), l => l.StartsWith(name + " ", StringComparison.Ordinal) && l.EndsWith(key.Reason, StringComparison.Ordinal));
        }
        Assert.Matches(@"(?m)^trainer\.max_epochs +5 ", r.Stdout);   // the recipe's default, not the base's 10
    }

    [Fact]
    public void An_unknown_key_is_refused_with_every_valid_key_listed_and_nothing_created()
    {
        var r = CliProcess.Run("train fashion-mlp --set trainer.max_epoch=3 --run-dir run", _dir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--set trainer.max_epoch=3: unknown config key 'trainer.max_epoch' (did you mean trainer.max_epochs?)", r.Stderr, StringComparison.Ordinal);
        var listed = r.Stderr[(r.Stderr.IndexOf("valid keys:\n", StringComparison.Ordinal) + "valid keys:\n".Length)..]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToList();
        Assert.Equal(ConfigSchema.For(typeof(FashionMlpConfig)).SortedNames, listed);
        Assert.Equal(listed.Order(StringComparer.Ordinal), listed);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void A_bad_flag_value_names_the_flag_the_key_the_value_and_what_is_expected()
    {
        var r = CliProcess.Run("train fashion-mlp --epochs 0 --lr fast --run-dir run", _dir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--epochs: bad value for trainer.max_epochs: '0' is out of range; expected an integer ≥ 1", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("--lr: bad value for optim.lr: 'fast' is not a finite number; expected a positive number", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("valid keys", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void A_bad_key_in_a_yaml_config_names_the_file_and_line()
    {
        File.WriteAllText(Path.Combine(_dir, "c.yaml"), "trainer:\n  max_epochs: 2\n  precision: fp8\n");
        var r = CliProcess.Run("train fashion-mlp --config c.yaml --run-dir run", _dir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("c.yaml line 3: bad value for trainer.precision: 'fp8' is not an allowed value; expected one of fp32, bf16-mixed, fp16-mixed",
            r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_recipes_options_and_missing_runs_are_usage_errors()
    {
        var recipe = CliProcess.Run("train no-such-recipe", _dir);
        Assert.True(recipe.ExitCode == 2, recipe.ToString());
        Assert.Contains("unknown recipe 'no-such-recipe'; available: char-lstm, dcgan, fashion-cnn, fashion-mlp, fashion-resnet, gpt, text-lstm, text-transformer, timeseries-lstm, transfer-resnet, vae", recipe.Stderr, StringComparison.Ordinal);

        var option = CliProcess.Run("train fashion-mlp --no-such-option", _dir);
        Assert.True(option.ExitCode == 2, option.ToString());

        var resume = CliProcess.Run("train fashion-mlp --resume nowhere", _dir);
        Assert.True(resume.ExitCode == 2, resume.ToString());
        Assert.Contains("nothing to resume: nowhere does not exist", resume.Stderr, StringComparison.Ordinal);

        var eval = CliProcess.Run("eval nowhere", _dir);
        Assert.True(eval.ExitCode == 2, eval.ToString());
    }

    [Fact]
    public void A_device_or_precision_the_machine_cannot_run_is_refused_before_training()
    {
        var gpu = CliProcess.Run("train fashion-mlp --device cuda:99 --run-dir run", _dir);
        Assert.True(gpu.ExitCode == 2, gpu.ToString());
        Assert.Contains("trainer.device=cuda:99: this machine has ", gpu.Stderr, StringComparison.Ordinal);

        var fp16 = CliProcess.Run("train fashion-mlp --device cpu --set trainer.precision=fp16-mixed --run-dir run", _dir);
        Assert.True(fp16.ExitCode == 2, fp16.ToString());
        Assert.Contains("trainer.precision=fp16-mixed needs a CUDA device, and this run is on cpu", fp16.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void Training_into_a_run_directory_that_holds_a_run_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "run", "checkpoints"));
        var r = CliProcess.Run("train fashion-mlp --run-dir run", _dir);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("run already holds a run; continue it with --resume run", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_directory_named_like_its_recipe_still_evaluates_by_the_installed_recipe()
    {
        var train = CliProcess.Run("train fashion-mlp --run-dir fashion-mlp --epochs 1 --set data.limit=500", _dir);
        Assert.True(train.ExitCode == 0, train.ToString());
        var eval = CliProcess.Run("eval fashion-mlp", _dir);                      // ./fashion-mlp is a folder with no .csproj
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("test_acc", eval.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_while_training_exits_1_with_the_message_and_no_stack_trace()
    {
        var r = CliProcess.Run("train fashion-mlp --set data.path=missing --run-dir run --device cpu", _dir);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("error: Fashion-MNIST directory missing does not exist", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);

        var verbose = CliProcess.Run("train fashion-mlp --set data.path=missing --run-dir run2 --device cpu --verbose", _dir);
        Assert.True(verbose.ExitCode == 1, verbose.ToString());
        Assert.Contains("   at ", verbose.Stderr, StringComparison.Ordinal);
    }
}
