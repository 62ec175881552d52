using System.Text.Json.Nodes;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.Models;
using MLRoadmap.Recipes.Vae;
using MLRoadmap.Tests.Support;
using MLRoadmap.Training;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// The vae recipe on a sliver of Fashion-MNIST, on the CPU, in seconds: two epochs write the reconstruction and
/// sample grids, log an ELBO that rises and is the sum of its logged terms, the validation ELBO equals the zoo's
/// tested <see cref="ConvVae.Loss"/> recomputed by hand, and sampling writes the images asked for.
/// </summary>
[Collection(SerialTests.Name)]
public sealed class VaeRecipeTests(VaeRecipeTests.Run run) : IClassFixture<VaeRecipeTests.Run>
{
    public sealed class Run : IDisposable
    {
        public Run()
        {
            Root = Directory.CreateTempSubdirectory("mlroadmap-vae-").FullName;
            var defaults = new VaeConfig();
            Config = defaults with
            {
                Trainer = defaults.Trainer with { MaxEpochs = 2, Device = "cpu" },
                Data = defaults.Data with { Limit = 640, BatchSize = 64 },
            };
            RunDir = Path.Combine(Root, "run");
            var trainer = RunSetup.CreateTrainer(Recipe, Config, RunDir);
            Training.Trainer.SeedEverything(Config.Seed);
            using var module = (VaeModule)Recipe.CreateModule(Config);
            using var data = Recipe.LoadData(Config, DataSplits.Fit);
            Result = trainer.Fit(module, data.Train!, data.Val);
            Epochs = File.ReadLines(Path.Combine(RunDir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
                .Where(r => (string?)r["kind"] == "epoch").ToList();
        }

        public VaeRecipe Recipe { get; } = new();
        public string Root { get; }
        public VaeConfig Config { get; }
        public string RunDir { get; }
        public FitResult Result { get; }
        public List<JsonObject> Epochs { get; }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void The_elbo_is_logged_per_split_as_minus_the_sum_of_its_terms_and_rises()
    {
        Assert.Equal(FitStatus.Completed, run.Result.Status);
        Assert.Equal(2, run.Epochs.Count);
        foreach (var row in run.Epochs)
        {
            foreach (var split in new[] { "train", "val" })
            {
                double elbo = (double)row[$"{split}_elbo"]!, recon = (double)row[$"{split}_recon"]!, kl = (double)row[$"{split}_kl"]!;
                Assert.True(double.IsFinite(elbo) && elbo < 0, $"{split}_elbo {elbo}");
                Assert.True(kl >= 0, $"{split}_kl {kl}");
                Assert.Equal(-(recon + kl), elbo, 1e-3);
                Assert.Equal(-elbo, (double)row[$"{split}_loss"]!, 1e-3);   // β = 1: the loss is the negative ELBO
            }
        }
        Assert.True((double)run.Epochs[1]["val_elbo"]! > (double)run.Epochs[0]["val_elbo"]!, "the ELBO rose from epoch 1 to 2");
        Assert.Equal((double)run.Epochs[1]["val_elbo"]!, run.Result.BestCheckpoint!.Score);   // ranked by val_elbo, max
    }

    [Fact]
    public void The_validation_elbo_is_the_zoo_loss_on_one_posterior_sample_per_image()
    {
        using var module = (VaeModule)run.Recipe.CreateModule(run.Config);
        using var data = run.Recipe.LoadData(run.Config, DataSplits.Val);
        var trainer = new Training.Trainer(RunSetup.TrainerOptions(run.Config, runDirectory: null));
        var checkpoint = run.Result.BestCheckpoint!.Path;
        Training.Trainer.SeedEverything(11);
        var logged = trainer.Validate(module, data.Val!, checkpoint);

        // By hand with the same weights and the same draws: eval mode, z = μ + σ·ε with ε from the reseeded generator.
        Training.Trainer.SeedEverything(11);
        module.Eval();
        double sum = 0, count = 0;
        using (Torch.NoGrad())
        {
            foreach (var batch in data.Val!)
            {
                using var scope = Torch.NewDisposeScope();
                var x = batch.Input.To(ScalarType.Float32).Div(255);
                var (mu, logVar) = module.Vae.Encode(x);
                var z = mu + (logVar * 0.5).Exp() * Torch.RandnLike(mu);
                using var output = new VaeOutput(module.Vae.Decode(z), mu.Alias(), logVar.Alias());
                sum += ConvVae.Loss(output, x).Item<double>() * batch.Size;
                count += batch.Size;
            }
        }
        Assert.Equal(-sum / count, logged["val_elbo"], 1e-3);
    }

    [Fact]
    public void Each_epoch_writes_a_grid_of_reconstructions_under_their_originals_and_one_of_samples()
    {
        foreach (var file in new[] { "reconstructions/epoch-0001.png", "reconstructions/epoch-0002.png", "samples/epoch-0001.png", "samples/epoch-0002.png" })
        {
            using var grid = Image.Read(Path.Combine(run.RunDir, file));
            Assert.Equal([3, 8 * 30 + 2, 8 * 30 + 2], grid.Shape);   // 64 images of 28 px, 2 px apart, gray as RGB
        }
        // The top half shows the first 32 validation images as they are.
        using var data = run.Recipe.LoadData(run.Config, DataSplits.Val);
        using var scope = Torch.NewDisposeScope();
        Tensor? first = null;                                                        // the first image, (1, 28, 28) uint8
        foreach (var batch in data.Val!)
        {
            first = batch.Input.Select(0, 0).Clone();                                // the loader frees its batches
            break;
        }
        using var grid1 = Image.Read(Path.Combine(run.RunDir, "reconstructions/epoch-0001.png"));
        var cell = grid1.Narrow(0, 0, 1).Narrow(1, 2, 28).Narrow(2, 2, 28);         // row 0, column 0
        Assert.True(cell.Equal(first!), "the grid's first cell is the first validation image");
    }

    [Fact]
    public void Sampling_from_the_checkpoint_writes_the_images_asked_for()
    {
        using var module = run.Recipe.CreateModule(run.Config);
        Training.Trainer.SeedEverything(2);
        using var inputs = run.Recipe.SampleInputs(run.Config, 7);
        using var loader = new DataLoader(inputs.Rows, new DataLoaderOptions { BatchSize = 4, Workers = 0 });
        var trainer = new Training.Trainer(RunSetup.TrainerOptions(run.Config, runDirectory: null));
        using var outputs = trainer.Predict(module, loader, run.Result.BestCheckpoint!.Path);
        var files = run.Recipe.WriteSamples(run.Config, outputs, Path.Combine(run.Root, "samples"));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => Path.Combine(run.Root, "samples", $"sample-000{i}.png")), files.Samples);
        foreach (var file in files.Samples)
        {
            using var image = Image.Read(file);
            Assert.Equal([1, 28, 28], image.Shape);
        }
        using var grid = Image.Read(files.Grid!);
        Assert.Equal([3, 3 * 30 + 2, 3 * 30 + 2], grid.Shape);   // ⌈√7⌉ = 3 columns, 3 rows
    }

    [Fact]
    public void A_generative_recipe_refuses_input_files_with_the_way_to_sample()
    {
        IRecipe recipe = run.Recipe;
        var e = Assert.Throws<NotSupportedException>(() => recipe.ReadInputs(run.Config, ["x.png"]));
        Assert.Contains("--samples N", e.Message, StringComparison.Ordinal);
    }
}
