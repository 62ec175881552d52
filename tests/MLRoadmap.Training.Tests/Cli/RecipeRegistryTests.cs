using MLRoadmap.Recipes.FashionMlp;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Cli;

/// <summary>Recipe discovery: the recipes beside the CLI are found by their assembly names, and broken or clashing
/// ones are reported without hiding the others.</summary>
public sealed class RecipeRegistryTests
{
    [Fact]
    public void The_cli_directory_offers_fashion_mlp()
    {
        var registry = RecipeRegistry.Discover(Path.GetDirectoryName(CliProcess.Dll));
        Assert.Empty(registry.Problems);
        Assert.True(registry.TryGet("fashion-mlp", out var recipe));
        Assert.IsType<FashionMlpRecipe>(recipe);
        Assert.Equal(typeof(FashionMlpConfig), recipe.ConfigType);
        Assert.Equal("val_acc", recipe.Monitor);
        Assert.Equal(MonitorMode.Max, recipe.MonitorMode);
    }

    [Fact]
    public void A_broken_recipe_assembly_is_reported_and_the_others_still_load()
    {
        var dir = Directory.CreateTempSubdirectory("mlroadmap-registry-").FullName;
        try
        {
            var source = Path.Combine(Path.GetDirectoryName(CliProcess.Dll)!, "MLRoadmap.Recipes.FashionMlp.dll");
            File.Copy(source, Path.Combine(dir, "MLRoadmap.Recipes.FashionMlp.dll"));
            File.WriteAllText(Path.Combine(dir, "MLRoadmap.Recipes.Broken.dll"), "not an assembly");
            File.WriteAllText(Path.Combine(dir, "Other.dll"), "not a recipe assembly, not looked at");
            var registry = RecipeRegistry.Discover(dir);
            var problem = Assert.Single(registry.Problems);
            Assert.StartsWith("MLRoadmap.Recipes.Broken.dll could not be loaded: ", problem, StringComparison.Ordinal);
            Assert.Equal(["fashion-mlp"], registry.Recipes.Select(r => r.Name));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Two_recipes_with_one_name_or_a_bad_name_are_reported()
    {
        var registry = new RecipeRegistry([new FashionMlpRecipe(), new Impostor("fashion-mlp"), new Impostor("Bad Name")]);
        Assert.Equal(["fashion-mlp"], registry.Recipes.Select(r => r.Name));
        Assert.IsType<FashionMlpRecipe>(registry.Recipes[0]);
        Assert.Equal(2, registry.Problems.Count);
        Assert.Contains("two recipes are named 'fashion-mlp'", registry.Problems[0], StringComparison.Ordinal);
        Assert.Contains("has the name 'Bad Name'; names are lower case letters, digits and dashes", registry.Problems[1], StringComparison.Ordinal);
    }

    private sealed class Impostor(string name) : Recipe<FashionMlpConfig>
    {
        public override string Name => name;
        public override string Description => "not a recipe";
        public override string Monitor => "val_loss";
        public override MonitorMode MonitorMode => MonitorMode.Min;
        public override TrainingModule CreateModule(FashionMlpConfig config) => throw new NotSupportedException();
        public override RecipeData LoadData(FashionMlpConfig config, DataSplits splits) => throw new NotSupportedException();
        public override PredictionInputs ReadInputs(FashionMlpConfig config, IReadOnlyList<string> inputs) => throw new NotSupportedException();
        public override IReadOnlyList<Prediction> Decode(FashionMlpConfig config, PredictionInputs inputs, Tensor outputs, int topK) =>
            throw new NotSupportedException();
    }
}
