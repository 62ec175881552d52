using MLRoadmap.Tests.Support;
namespace MLRoadmap.Tests.Cli;

/// <summary>
/// Starting a recipe of one's own, as recipes/README.md tells it: copy a recipe folder outside the checkout, rename
/// it, and `mlroadmap train PATH` builds it against the checkout and trains it; eval finds it again from the run.
/// </summary>
public sealed class RecipeCopyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlroadmap-recipe-copy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // As the READMEs say: copy the folder, rename the project and its assembly, rename the recipe.
    private string CopyRecipe(string recipe, string assembly, string recipeFile, string name)
    {
        var source = Path.Combine(Repo.Root, "recipes", recipe);
        var target = Path.Combine(_dir, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        var csproj = Path.Combine(target, $"MLRoadmap.Recipes.{assembly}.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace($"<AssemblyName>MLRoadmap.Recipes.{assembly}<", "<AssemblyName>MLRoadmap.Recipes.Mine<", StringComparison.Ordinal));
        File.Move(csproj, Path.Combine(target, "MLRoadmap.Recipes.Mine.csproj"));
        var named = Path.Combine(target, recipeFile);
        File.WriteAllText(named, File.ReadAllText(named).Replace($"Name => \"{recipe}\"", $"Name => \"{name}\"", StringComparison.Ordinal));
        return target;
    }

    private string CopyFashionMlp(string name) => CopyRecipe("fashion-mlp", "FashionMlp", "FashionMlpRecipe.cs", name);

    [SdkTheory]
    [InlineData("fashion-mlp", "FashionMlp", "FashionMlpRecipe.cs", "--set data.limit=2000 --epochs 1")]
    [InlineData("fashion-cnn", "FashionCnn", "FashionCnnRecipe.cs", "--set data.limit=256 --set model.width=4 --epochs 1")]   // the top README's example
    public void A_copied_recipe_outside_the_checkout_builds_trains_and_evaluates(string recipe, string assembly, string recipeFile, string options)
    {
        var project = CopyRecipe(recipe, assembly, recipeFile, $"my-{recipe}");
        Assert.False(project.StartsWith(Repo.Root, StringComparison.Ordinal));
        var train = CliProcess.Run($"train {project} {options} --run-dir run", _dir, timeoutMs: 300_000);
        Assert.True(train.ExitCode == 0, train.ToString());
        Assert.Contains($"my-{recipe}: new run run", train.Stdout, StringComparison.Ordinal);
        var config = File.ReadAllText(Path.Combine(_dir, "run", "config.json"));
        Assert.Contains($"\"recipe\": \"my-{recipe}\"", config, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(project, "MLRoadmap.Recipes.Mine.csproj"), config, StringComparison.Ordinal);

        var eval = CliProcess.Run("eval run", _dir, timeoutMs: 300_000);   // found again through the run's recipe_project
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains("test_acc", eval.Stdout, StringComparison.Ordinal);
    }

    [SdkFact]
    public void A_copy_that_does_not_compile_reports_the_compiler_error()
    {
        var project = CopyFashionMlp("broken");
        var module = Path.Combine(project, "FashionMlpModule.cs");
        File.AppendAllText(module, "\nthis is not C#\n");
        var train = CliProcess.Run($"train {project} --epochs 1 --run-dir run", _dir, timeoutMs: 300_000);
        Assert.Equal(1, train.ExitCode);
        Assert.Contains("building", train.Stderr, StringComparison.Ordinal);
        Assert.Contains("FashionMlpModule.cs", train.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }
}
