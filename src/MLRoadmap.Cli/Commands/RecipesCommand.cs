using System.CommandLine;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>`mlroadmap recipes [NAME]`: one line per recipe; with a name, that recipe's config keys with their
/// defaults, what they accept and why the default is what it is.</summary>
internal static class RecipesCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("recipe") { Description = "Show this recipe's config keys.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("recipes", "List the recipes, or one recipe's config keys.") { name };
        command.SetAction(parse => Cli.Guard(parse, () => Run(parse.GetValue(name))));
        return command;
    }

    private static int Run(string? name)
    {
        var registry = Cli.Recipes();
        if (name is null)
        {
            if (registry.Recipes.Count == 0) Console.Out.WriteLine("no recipe is installed (recipe assemblies are MLRoadmap.Recipes.*.dll beside the CLI)");
            var width = registry.Recipes.Select(r => r.Name.Length).DefaultIfEmpty(0).Max();
            foreach (var r in registry.Recipes) Console.Out.WriteLine($"{r.Name.PadRight(width)}  {r.Description}");
            return ExitCodes.Ok;
        }
        var recipe = Cli.Recipe(registry, name);
        Console.Out.WriteLine($"{recipe.Name}: {recipe.Description}");
        Console.Out.WriteLine($"monitors {recipe.Monitor} ({(recipe.MonitorMode == Training.Callbacks.MonitorMode.Max ? "higher" : "lower")} is better)");
        Console.Out.WriteLine();
        var values = ConfigBinder.Values(recipe.CreateDefaultConfig()).ToList();
        var keyWidth = values.Max(v => v.Key.Name.Length);
        var valueWidth = values.Max(v => ConfigBinder.Format(v.Value).Length);
        foreach (var (key, value) in values)
        {
            Console.Out.WriteLine($"{key.Name.PadRight(keyWidth)}  {ConfigBinder.Format(value).PadRight(valueWidth)}  {key.Reason}");
            Console.Out.WriteLine($"{new string(' ', keyWidth + valueWidth + 4)}({key.Expected})");
        }
        return ExitCodes.Ok;
    }
}
