using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace MLRoadmap.Training.Recipes;

/// <summary>
/// A recipe that lives in a project of its own outside the CLI's references: a copy of <c>recipes/fashion-mlp</c>
/// somewhere else, being turned into a new recipe. <see cref="Load"/> builds the project against this checkout
/// (MSBuild property <c>MLRoadmapRoot</c>) and loads the recipe from what it built, so <c>mlroadmap train PATH</c>
/// works on it like on a built-in one. Runs remember the project (config.json's <c>recipe_project</c>), so eval,
/// predict and --resume find it again.
/// </summary>
public static class RecipeProject
{
    /// <summary>The config.json key holding the project a run's recipe came from (absent for built-in recipes).</summary>
    public const string ProjectKey = "recipe_project";

    private static readonly ConditionalWeakTable<IRecipe, string> Projects = [];

    /// <summary>Whether <paramref name="nameOrPath"/> names a project (a directory or a .csproj) rather than a recipe name.</summary>
    public static bool IsPath(string nameOrPath) =>
        nameOrPath.Contains('/', StringComparison.Ordinal) || nameOrPath.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) ||
        Directory.Exists(nameOrPath);

    /// <summary>The project a recipe was loaded from by <see cref="Load"/>, or null for a built-in one.</summary>
    public static string? ProjectOf(IRecipe recipe) => Projects.TryGetValue(recipe, out var p) ? p : null;

    /// <summary>Builds the recipe project at <paramref name="path"/> (its directory or its .csproj) in Release against
    /// the checkout at <paramref name="repoRoot"/> and returns its one recipe. Build errors come back as an
    /// <see cref="InvalidOperationException"/> holding the compiler's messages.</summary>
    public static IRecipe Load(string path, string repoRoot, Action<string>? log = null)
    {
        var project = Resolve(path);
        log?.Invoke($"building {project}");
        // The checkout's own projects are already built (the CLI runs from them): building only the recipe never
        // rewrites an assembly this process has loaded.
        var props = $"-c Release -p:MLRoadmapRoot={Quote(Path.GetFullPath(repoRoot) + "/")} -p:BuildProjectReferences=false";
        var (code, output) = Dotnet($"build {Quote(project)} {props} --nologo -v q -clp:NoSummary");
        if (code != 0)
            throw new InvalidOperationException($"building {project} failed:\n{Tail(output, 40)}");
        var (code2, target) = Dotnet($"msbuild {Quote(project)} {props.Replace("-c Release", "-p:Configuration=Release", StringComparison.Ordinal)} -getProperty:TargetPath -nologo");
        target = target.Trim();
        if (code2 != 0 || !File.Exists(target))
            throw new InvalidOperationException($"built {project} but could not find its assembly (msbuild said: {Tail(target, 5)})");

        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(target);
        var registry = new RecipeRegistry();
        registry.AddFrom(assembly);
        if (registry.Problems.Count > 0) throw new InvalidOperationException($"{project}: {string.Join("; ", registry.Problems)}");
        var recipe = registry.Recipes.Count switch
        {
            1 => registry.Recipes[0],
            0 => throw new InvalidOperationException($"{project} builds, but holds no public IRecipe with a parameterless constructor"),
            _ => throw new InvalidOperationException($"{project} holds {registry.Recipes.Count} recipes ({string.Join(", ", registry.Recipes.Select(r => r.Name))}); keep one per project"),
        };
        Projects.AddOrUpdate(recipe, project);
        return recipe;
    }

    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full) && full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)) return full;
        if (!Directory.Exists(full)) throw new FileNotFoundException($"recipe project {path} does not exist", path);
        var projects = Directory.GetFiles(full, "*.csproj");
        return projects.Length switch
        {
            1 => projects[0],
            0 => throw new FileNotFoundException($"{path} holds no .csproj; a recipe is a project (copy recipes/fashion-mlp to start one)"),
            _ => throw new InvalidOperationException($"{path} holds {projects.Length} projects; name the .csproj"),
        };
    }

    private static (int Code, string Output) Dotnet(string arguments)
    {
        var psi = new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start `dotnet` (is the .NET SDK on PATH?)");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Tail(string text, int lines)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.TakeLast(lines));
    }
}
