using System.CommandLine;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Cli.Commands;

/// <summary>The CLI's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Training (or evaluation) failed.</summary>
    public const int Error = 1;

    /// <summary>A bad command line or configuration, refused before any work.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl-C, SIGTERM) after writing a checkpoint: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}

/// <summary>A command line that can't be run as given (an unknown recipe, a missing run): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>What the commands share: the global --verbose flag, common options, error handling.</summary>
internal static class Cli
{
    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show stack traces with errors.",
        Recursive = true,
    };

    public static Option<string?> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N (the trainer.device key).",
        HelpName = "device",
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Set a config key: --set trainer.max_epochs=3 (repeatable).",
        HelpName = "key=value",
    };

    /// <summary>The recipes beside the CLI; discovery problems go to stderr as warnings.</summary>
    public static RecipeRegistry Recipes()
    {
        var registry = RecipeRegistry.Discover();
        foreach (var p in registry.Problems) Console.Error.WriteLine($"warning: {p}");
        return registry;
    }

    /// <summary>A recipe by name, or by the path of its project (a copy outside the CLI's references, built here);
    /// <paramref name="project"/> is the project a run recorded, tried when the name is not installed.</summary>
    public static IRecipe Recipe(RecipeRegistry registry, string? name, string? project = null)
    {
        // An installed recipe's name wins over a same-named folder in the working directory (often the run directory
        // `--run-dir NAME` made); write ./NAME for the folder.
        if (name is not null && registry.TryGet(name, out var recipe)) return recipe;
        if (name is not null && RecipeProject.IsPath(name)) return RecipeProject.Load(name, RepoRoot(), m => Console.Error.WriteLine(m));
        if (project is not null)
        {
            var loaded = RecipeProject.Load(project, RepoRoot(), m => Console.Error.WriteLine(m));
            if (loaded.Name != name) throw new UsageException($"{project} now holds recipe '{loaded.Name}', but the run was made by '{name}'");
            return loaded;
        }
        var known = registry.Recipes.Count == 0 ? "none is installed" : "available: " + string.Join(", ", registry.Recipes.Select(r => r.Name));
        throw new UsageException(name is null ? $"the configuration names no recipe; {known}" : $"unknown recipe '{name}'; {known}");
    }

    /// <summary>The MLRoadmap checkout this CLI was built from (MLROADMAP_ROOT overrides), which a recipe project
    /// outside it builds against.</summary>
    public static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MLROADMAP_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLRoadmap.sln"))) return dir.FullName;
        throw new UsageException("can't find the MLRoadmap checkout to build a recipe project against; set MLROADMAP_ROOT");
    }

    /// <summary>Refuses, before any work, a configuration the machine can't run: a CUDA device it doesn't have, fp16
    /// mixed precision off CUDA.</summary>
    public static void CheckDevice(Training.Trainer trainer, RunConfig config)
    {
        var device = trainer.Device;
        if (device.IsCuda && (!Torch.Cuda.IsAvailable || Math.Max(device.Index, 0) >= Torch.Cuda.DeviceCount))
            throw new ConfigException($"trainer.device={config.Trainer.Device}: this machine has {(Torch.Cuda.IsAvailable ? $"{Torch.Cuda.DeviceCount} CUDA device(s)" : "no usable CUDA device")} " +
                                      "(`mlroadmap doctor` shows what it has); use --device cpu or auto");
        if (config.Trainer.Precision == "fp16-mixed" && !device.IsCuda)
            throw new ConfigException($"trainer.precision=fp16-mixed needs a CUDA device, and this run is on {device}; use bf16-mixed or fp32");
    }

    /// <summary>Runs a command's body, turning failures into a message and an exit code: config and usage errors 2,
    /// anything else 1 (with the stack trace only under --verbose).</summary>
    public static int Guard(ParseResult parse, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ConfigException e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"config error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (UsageException e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {e.Message}");
            for (var inner = e.InnerException; inner is not null && !parse.GetValue(Verbose); inner = inner.InnerException)
                if (!e.Message.Contains(inner.Message, StringComparison.Ordinal)) Console.Error.WriteLine($"  because: {inner.Message}");
            if (parse.GetValue(Verbose)) Console.Error.WriteLine(e);
            else Console.Error.WriteLine("(run with --verbose for the stack trace)");
            return ExitCodes.Error;
        }
    }
}
