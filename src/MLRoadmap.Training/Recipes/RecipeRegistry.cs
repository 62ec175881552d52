using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;

namespace MLRoadmap.Training.Recipes;

/// <summary>
/// The recipes a program can run, by name. <see cref="Discover"/> finds them without a list to maintain: it loads
/// every assembly named <c>MLRoadmap.Recipes.*.dll</c> in a directory (by default the program's own, where the
/// build copies the recipe projects the program references) and takes each public, non-abstract class implementing
/// <see cref="IRecipe"/> with a public parameterless constructor. So a recipe project (a copy of recipes/fashion-mlp,
/// say) shows up once the CLI project references it; nothing else needs registering.
/// </summary>
/// <remarks>An assembly that fails to load, a recipe whose constructor throws, a bad or duplicate name are recorded
/// in <see cref="Problems"/> and skipped, so one broken recipe does not take the others down.</remarks>
public sealed partial class RecipeRegistry
{
    /// <summary>The file name pattern of recipe assemblies.</summary>
    public const string AssemblyPattern = "MLRoadmap.Recipes.*.dll";

    private readonly SortedDictionary<string, IRecipe> _recipes = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    /// <summary>A registry of the given recipes (tests, programs that list theirs explicitly).</summary>
    public RecipeRegistry(IEnumerable<IRecipe>? recipes = null)
    {
        foreach (var r in recipes ?? []) Add(r, r.GetType().Assembly.GetName().Name ?? "?");
    }

    /// <summary>The recipes, sorted by name.</summary>
    public IReadOnlyList<IRecipe> Recipes => [.. _recipes.Values];

    /// <summary>What went wrong while discovering (each a sentence naming the assembly or type).</summary>
    public IReadOnlyList<string> Problems => _problems;

    public bool TryGet(string name, out IRecipe recipe) => _recipes.TryGetValue(name, out recipe!);

    /// <summary>Finds the recipes in the <see cref="AssemblyPattern"/> assemblies of <paramref name="directory"/>
    /// (default: <see cref="AppContext.BaseDirectory"/>).</summary>
    public static RecipeRegistry Discover(string? directory = null)
    {
        var registry = new RecipeRegistry();
        directory ??= AppContext.BaseDirectory;
        if (!Directory.Exists(directory)) return registry;
        foreach (var path in Directory.EnumerateFiles(directory, AssemblyPattern).Order(StringComparer.Ordinal))
        {
            Assembly assembly;
            try
            {
                assembly = Load(path);
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or FileLoadException)
            {
                registry._problems.Add($"{Path.GetFileName(path)} could not be loaded: {e.Message}");
                continue;
            }
            registry.AddFrom(assembly);
        }
        return registry;
    }

    /// <summary>Adds the recipes defined in <paramref name="assembly"/>.</summary>
    public void AddFrom(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var source = assembly.GetName().Name ?? assembly.FullName ?? "?";
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            _problems.Add($"{source}: some types could not be loaded ({e.LoaderExceptions.FirstOrDefault()?.Message})");
            types = [.. e.Types.OfType<Type>()];
        }
        foreach (var type in types.Where(IsRecipeType).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            IRecipe recipe;
            try
            {
                recipe = (IRecipe)Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException e)
            {
                _problems.Add($"{source}: recipe {type.FullName} failed to construct: {e.InnerException?.Message ?? e.Message}");
                continue;
            }
            Add(recipe, source);
        }
    }

    private void Add(IRecipe recipe, string source)
    {
        if (!NamePattern().IsMatch(recipe.Name))
        {
            _problems.Add($"{source}: recipe {recipe.GetType().FullName} has the name '{recipe.Name}'; names are lower case letters, digits and dashes");
            return;
        }
        if (_recipes.TryGetValue(recipe.Name, out var existing))
        {
            if (existing.GetType() != recipe.GetType())
                _problems.Add($"{source}: two recipes are named '{recipe.Name}' ({existing.GetType().FullName} and {recipe.GetType().FullName}); the first is used");
            return;
        }
        try
        {
            ConfigSchema.For(recipe.ConfigType);   // a config without reasons or with unsupported types is refused here
        }
        catch (InvalidOperationException e)
        {
            _problems.Add($"{source}: recipe '{recipe.Name}' has an invalid config: {e.Message}");
            return;
        }
        _recipes.Add(recipe.Name, recipe);
    }

    private static bool IsRecipeType(Type t) =>
        t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IRecipe).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null;

    // By name first, so an assembly the program references (listed in its deps.json) is the one already used, never
    // a second copy; by path when the program doesn't know it (dropped in beside it).
    private static Assembly Load(string path)
    {
        var name = AssemblyName.GetAssemblyName(path);
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(a.GetName(), name));
        if (loaded is not null) return loaded;
        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        }
        catch (FileNotFoundException)
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(path));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();
}
