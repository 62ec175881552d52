using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MLRoadmap.Recipes.FashionCnn;
using MLRoadmap.Training;
using MLRoadmap.Training.Callbacks;
using MLRoadmap.Training.Checkpoints;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.Dcgan;

/// <summary>Where <see cref="FidClassifier.Resolve"/> looks for fashion-cnn runs and keeps the one it trains.</summary>
/// <param name="RunRoots">Directories holding run directories (<c>runs/</c>).</param>
/// <param name="CacheRoot">Where a trained classifier is cached (<c>.cache/</c>).</param>
public sealed record FidLocations(IReadOnlyList<string> RunRoots, string CacheRoot)
{
    /// <summary>runs/ of the current directory and of the MLRoadmap checkout; the checkout's .cache/
    /// (<c>MLROADMAP_CACHE</c> overrides it; ~/.cache/mlroadmap outside a checkout).</summary>
    public static FidLocations Default()
    {
        var repo = RepoRoot();
        var roots = new List<string> { Path.GetFullPath("runs") };
        if (repo is not null && !roots.Contains(Path.Combine(repo, "runs"))) roots.Add(Path.Combine(repo, "runs"));
        var cache = Environment.GetEnvironmentVariable("MLROADMAP_CACHE") is { Length: > 0 } c ? c
            : repo is not null ? Path.Combine(repo, ".cache")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "mlroadmap");
        return new FidLocations(roots, cache);
    }

    // MLROADMAP_ROOT, else the directory above this assembly holding MLRoadmap.sln (the CLI and the tests run from
    // artifacts/bin inside the checkout).
    private static string? RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MLROADMAP_ROOT") is { Length: > 0 } root) return Path.GetFullPath(root);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MLRoadmap.sln"))) return dir.FullName;
        return null;
    }
}

/// <summary>
/// The trained fashion-cnn whose pooled penultimate features (<see cref="FashionCnnModule.Features"/>) the Fréchet
/// distance is measured on, in eval mode and frozen: it is not part of the GAN's module, so it is neither trained
/// nor saved with it.
/// </summary>
public sealed class FidClassifier : IDisposable
{
    private readonly FashionCnnModule _module;
    private Device _device = Device.CPU;

    private FidClassifier(FashionCnnModule module, string checkpoint)
    {
        _module = module;
        Checkpoint = checkpoint;
        _module.Eval();
    }

    /// <summary>The checkpoint the weights came from.</summary>
    public string Checkpoint { get; }

    /// <summary>The length of the feature vectors.</summary>
    public int FeatureCount => _module.FeatureCount;

    /// <summary>(B, C, H, W) pixels in 0..255 → (B, <see cref="FeatureCount"/>) features, without gradients, on the
    /// pixels' device.</summary>
    public Tensor Features(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var noGrad = Torch.NoGrad();
        if (_device != pixels.Device)
        {
            _module.To(pixels.Device);
            _device = pixels.Device;
        }
        return _module.Features(pixels);
    }

    public void Dispose() => _module.Dispose();

    /// <summary>
    /// The classifier <c>fid.classifier</c> names, for images of <paramref name="channels"/>×<paramref name="size"/>²
    /// from <paramref name="data"/>: a fashion-cnn run directory (its best checkpoint) or checkpoint; or "auto", the
    /// newest fashion-cnn run under <see cref="FidLocations.RunRoots"/> trained on the same data, else the one cached
    /// under <see cref="FidLocations.CacheRoot"/>, trained there first if there is none (the global generators are
    /// left as they were). <paramref name="log"/> says which one is used and why.
    /// </summary>
    public static FidClassifier Resolve(FidSettings fid, GanData data, string device, int channels, int size, Action<string> log,
        FidLocations? where = null)
    {
        ArgumentNullException.ThrowIfNull(fid);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(log);
        if (fid.Classifier != "auto")
        {
            var loaded = Load(fid.Classifier, channels, size, "fid.classifier");
            log($"fid: features of {loaded.Checkpoint}");
            return loaded;
        }
        where ??= FidLocations.Default();
        var dataPath = Path.GetFullPath(data.Path!);
        if (NewestRun(where.RunRoots, dataPath) is { } run)
        {
            var loaded = Load(run, channels, size, $"fashion-cnn run {run}");
            log($"fid: features of {loaded.Checkpoint} (the newest fashion-cnn run on {dataPath}; set fid.classifier to choose another)");
            return loaded;
        }
        var cached = Path.Combine(where.CacheRoot, "fid", CacheName(dataPath, data, fid.ClassifierEpochs));
        if (!HasCheckpoint(cached)) TrainCached(cached, data, device, fid.ClassifierEpochs, log);
        var result = Load(cached, channels, size, $"cached classifier {cached}");
        log($"fid: features of the cached fashion-cnn {result.Checkpoint}");
        return result;
    }

    // A run directory or a checkpoint → the classifier, checked against the images it will see.
    private static FidClassifier Load(string path, int channels, int size, string what)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{what}: {path} does not exist (expected a fashion-cnn run directory or checkpoint)");
        var isCheckpoint = File.Exists(Path.Combine(path, CheckpointStore.ManifestFile));
        var checkpoint = isCheckpoint ? path : BestCheckpoint(path)
            ?? throw new InvalidDataException($"{what}: {path} is neither a checkpoint nor a run directory with one");
        var configJson = ReadConfig(isCheckpoint ? null : path, checkpoint)
            ?? throw new InvalidDataException($"{what}: {path} holds no configuration (config.json or the checkpoint's)");
        var config = ConfigBinder.Bind(new FashionCnnConfig(), ConfigSources.FromJson(configJson, $"{what} config"), "fashion-cnn");
        var module = new FashionCnnModule(config, channels, classes: 10, size);
        try
        {
            using var ckpt = CheckpointStore.Load(checkpoint);
            module.LoadStateDict(ckpt.Model.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            module.Dispose();
            throw new InvalidDataException($"{what}: {checkpoint} does not fit {channels}x{size}x{size} images ({e.Message})", e);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        return new FidClassifier(module, checkpoint);
    }

    private static JsonObject? ReadConfig(string? run, string checkpoint)
    {
        if (run is not null && File.Exists(Path.Combine(run, RunLogger.ConfigFile)))
            return JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunLogger.ConfigFile))) as JsonObject;
        var state = Path.Combine(checkpoint, CheckpointStore.TrainerStateFile);
        return File.Exists(state) ? (JsonNode.Parse(File.ReadAllText(state)) as JsonObject)?["config"]?.DeepClone() as JsonObject : null;
    }

    // The best checkpoint by fashion-cnn's val_acc (the newest among equals; the newest if none is scored).
    private static string? BestCheckpoint(string run)
    {
        var all = CheckpointStore.List(Path.Combine(run, "checkpoints"));
        if (all.Count == 0) return null;
        var scored = all.Where(c => c.Score is not null).ToList();
        return scored.Count == 0 ? all[^1].Path : scored.OrderByDescending(c => c.Score).ThenByDescending(c => c.GlobalStep).First().Path;
    }

    private static bool HasCheckpoint(string run) => Directory.Exists(run) && BestCheckpoint(run) is not null;

    // The newest fashion-cnn-* run (by its newest checkpoint) whose config trained on dataPath.
    private static string? NewestRun(IReadOnlyList<string> roots, string dataPath)
    {
        var candidates = new List<(string Run, DateTimeOffset Created)>();
        foreach (var root in roots.Where(Directory.Exists))
        {
            foreach (var run in Directory.EnumerateDirectories(root, "fashion-cnn-*"))
            {
                var checkpoints = CheckpointStore.List(Path.Combine(run, "checkpoints"));
                if (checkpoints.Count == 0) continue;
                JsonObject? config;
                try
                {
                    config = ReadConfig(run, checkpoints[^1].Path);
                }
                catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
                {
                    continue;   // a run being written, or damaged: not a candidate
                }
                if (config?["recipe"]?.GetValue<string>() != "fashion-cnn") continue;
                var path = config["data"]?["path"]?.GetValue<string>();
                if (path is null || Path.GetFullPath(path) != dataPath) continue;
                candidates.Add((run, checkpoints.Max(c => c.Created)));
            }
        }
        return candidates.Count == 0 ? null : candidates.MaxBy(c => c.Created).Run;
    }

    // One cached classifier per data set, image limit and epoch count.
    private static string CacheName(string dataPath, GanData data, int epochs)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{dataPath}|{data.Format}")))[..12];
        var limit = data.Limit is { } n ? string.Create(CultureInfo.InvariantCulture, $"-limit{n}") : "";
        return string.Create(CultureInfo.InvariantCulture, $"fashion-cnn-{Path.GetFileName(dataPath)}-{hash}{limit}-e{epochs}");
    }

    // Trains fashion-cnn's defaults for a few epochs into a temporary run beside `target`, then renames it into place.
    // A lock file keeps two processes from training the same one; the generators are restored afterwards, so the
    // calling run's randomness does not depend on whether the cache existed.
    private static void TrainCached(string target, GanData data, string device, int epochs, Action<string> log)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var held = Lock(target + ".lock");
        if (HasCheckpoint(target)) return;   // another process trained it while this one waited
        log($"fid: no fashion-cnn run on {Path.GetFullPath(data.Path!)} found under runs/; training one for {epochs} epoch(s) " +
            $"(about a minute an epoch on two CPU cores) into {target}, which later runs reuse");
        var recipe = new FashionCnnRecipe();
        var defaults = new FashionCnnConfig();
        var config = defaults with
        {
            Trainer = defaults.Trainer with { MaxEpochs = epochs, Device = device },
            Data = defaults.Data with { Path = data.Path, Format = data.Format, Limit = data.Limit },
        };
        var temporary = $"{target}.tmp-{Environment.ProcessId}";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        var rng = Torch.GetRngSnapshot();
        try
        {
            using var grad = Torch.EnableGrad();
            var trainer = RunSetup.CreateTrainer(recipe, config, temporary);
            Trainer.SeedEverything(config.Seed);
            using var module = recipe.CreateModule(config);
            using var loaded = recipe.LoadData(config, DataSplits.Fit);
            var result = trainer.Fit(module, loaded.Train!, loaded.Val);
            log(string.Create(CultureInfo.InvariantCulture,
                $"fid: cached fashion-cnn trained, val_acc {(result.Metrics.TryGetValue("val_acc", out var acc) ? acc : double.NaN):F4}"));
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
        finally
        {
            Torch.SetRngSnapshot(rng);
        }
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);   // an empty or broken leftover
        Directory.Move(temporary, target);
    }

    private static FileStream Lock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(500);
            }
        }
    }
}
