using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLRoadmap.Serialization;

namespace MLRoadmap.Training.Checkpoints;

/// <summary>What a checkpoint is written from: the model's state dict, the other tensors of the trainer state
/// (optimizer moments, RNG states, metric accumulators), the JSON trainer state, and the manifest's summary fields.
/// Tensors are read, not taken: the caller still owns them. <paramref name="Artifacts"/>: the module's files that belong
/// with its weights (<see cref="TrainingModule.CheckpointArtifacts"/>), by file name.</summary>
public sealed record CheckpointData(
    IEnumerable<KeyValuePair<string, Tensor>> Model,
    IEnumerable<KeyValuePair<string, Tensor>> State,
    JsonObject TrainerState,
    int Epoch,
    long GlobalStep,
    string Reason,
    string? Monitor = null,
    double? Score = null,
    IReadOnlyDictionary<string, byte[]>? Artifacts = null);

/// <summary>A checkpoint's manifest: where it is and what it holds, without loading it.</summary>
public sealed record CheckpointInfo(string Path, int Epoch, long GlobalStep, DateTimeOffset Created, string Reason,
    string? Monitor, double? Score)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>A checkpoint is unreadable: missing, truncated, or its bytes don't match the manifest's checksums.</summary>
public sealed class CheckpointCorruptException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// Writes, verifies, lists and deletes checkpoint directories. A checkpoint is a directory holding
/// <c>model.safetensors</c>, <c>state.safetensors</c>, <c>trainer_state.json</c>, the module's artifacts under
/// <c>artifacts/</c> (a tokenizer.json, say) and, written last, <c>manifest.json</c> with each file's size and SHA-256
/// (the format is in src/MLRoadmap.Training/README.md).
/// </summary>
/// <remarks>Writing is atomic: everything goes to a temporary directory beside the target, each file is fsynced,
/// then the directory is renamed into place and its parent synced. A crash at any point leaves either the complete
/// new checkpoint or none (plus a temporary directory that <see cref="CleanTemporary"/> removes), never a half-written
/// one under a real name. Deleting old checkpoints is the caller's job, after this returns.</remarks>
public static class CheckpointStore
{
    public const string Format = "mlroadmap.checkpoint/1";
    public const string ModelFile = "model.safetensors";
    public const string StateFile = "state.safetensors";
    public const string TrainerStateFile = "trainer_state.json";
    public const string ManifestFile = "manifest.json";
    public const string ArtifactsFolder = "artifacts";
    private const string TempPrefix = ".tmp-";
    private const string OldPrefix = ".old-";
    private static readonly string[] Files = [ModelFile, StateFile, TrainerStateFile];

    /// <summary>The directory name for a checkpoint taken at a step (sortable, and unique per step).</summary>
    public static string NameFor(int epoch, long globalStep) =>
        string.Create(CultureInfo.InvariantCulture, $"epoch={epoch:D4}-step={globalStep:D8}");

    /// <summary>Writes a checkpoint to <paramref name="directory"/>/<paramref name="name"/> atomically, replacing a
    /// checkpoint of that name only once the new one is complete.</summary>
    public static CheckpointInfo Write(string directory, string name, CheckpointData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (name.StartsWith('.') || name.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is not a valid checkpoint name", nameof(name));
        Directory.CreateDirectory(directory);
        var final = Path.Combine(directory, name);
        var temp = Path.Combine(directory, TempPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(temp);
        try
        {
            var files = new JsonObject();
            Record(files, ModelFile, Durable.WriteFile(Path.Combine(temp, ModelFile),
                s => SafeTensors.Write(s, data.Model, new Dictionary<string, string> { ["format"] = "pt" })));
            Record(files, StateFile, Durable.WriteFile(Path.Combine(temp, StateFile),
                s => SafeTensors.Write(s, data.State, new Dictionary<string, string> { ["format"] = "mlroadmap.state/1" })));
            Record(files, TrainerStateFile, Durable.WriteFile(Path.Combine(temp, TrainerStateFile),
                s => JsonSerializer.Serialize(s, data.TrainerState, JsonOptions.Indented)));
            if (data.Artifacts is { Count: > 0 } artifacts)
            {
                Directory.CreateDirectory(Path.Combine(temp, ArtifactsFolder));
                foreach (var (file, bytes) in artifacts.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    var relative = ArtifactsFolder + "/" + CheckArtifactName(file);
                    Record(files, relative, Durable.WriteFile(Path.Combine(temp, relative), s => s.Write(bytes)));
                }
                Durable.SyncDirectory(Path.Combine(temp, ArtifactsFolder));
            }
            var created = DateTimeOffset.UtcNow;
            var manifest = new JsonObject
            {
                ["format"] = Format,
                ["epoch"] = data.Epoch,
                ["global_step"] = data.GlobalStep,
                ["created"] = created.ToString("O", CultureInfo.InvariantCulture),
                ["reason"] = data.Reason,
                ["monitor"] = data.Monitor,
                ["score"] = data.Score is { } sc && double.IsFinite(sc) ? sc : null,
                ["files"] = files,
            };
            Durable.WriteFile(Path.Combine(temp, ManifestFile), s => JsonSerializer.Serialize(s, manifest, JsonOptions.Indented));
            Durable.SyncDirectory(temp);

            string? old = null;
            if (Directory.Exists(final))
            {
                old = Path.Combine(directory, OldPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.Move(final, old);
            }
            Directory.Move(temp, final);
            Durable.SyncDirectory(directory);
            if (old is not null) Directory.Delete(old, recursive: true);
            return new CheckpointInfo(final, data.Epoch, data.GlobalStep, created, data.Reason, data.Monitor, data.Score);
        }
        catch
        {
            try
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
                // The original error matters more; CleanTemporary removes what is left.
            }
            throw;
        }

        static void Record(JsonObject files, string file, (string Sha256, long Bytes) r) =>
            files[file] = new JsonObject { ["bytes"] = r.Bytes, ["sha256"] = r.Sha256 };
    }

    /// <summary>Reads a checkpoint's manifest (no checksum check): throws <see cref="CheckpointCorruptException"/>
    /// if it is missing or unreadable.</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        var manifestPath = Path.Combine(path, ManifestFile);
        if (!Directory.Exists(path)) throw new CheckpointCorruptException($"checkpoint {path} does not exist");
        if (!File.Exists(manifestPath))
            throw new CheckpointCorruptException($"checkpoint {path} has no {ManifestFile} (it was not completely written)");
        try
        {
            var m = JsonNode.Parse(File.ReadAllText(manifestPath))?.AsObject()
                    ?? throw new CheckpointCorruptException($"{manifestPath} is empty");
            if ((string?)m["format"] != Format)
                throw new CheckpointCorruptException($"{manifestPath}: format is '{(string?)m["format"]}', expected '{Format}'");
            return new CheckpointInfo(path, (int)m["epoch"]!, (long)m["global_step"]!,
                DateTimeOffset.Parse((string)m["created"]!, CultureInfo.InvariantCulture), (string?)m["reason"] ?? "",
                (string?)m["monitor"], (double?)m["score"]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new CheckpointCorruptException($"{manifestPath} is not a valid manifest: {e.Message}", e);
        }
    }

    /// <summary>Checks every file against the manifest's size and SHA-256; throws
    /// <see cref="CheckpointCorruptException"/> naming the first file that differs.</summary>
    public static CheckpointInfo Verify(string path)
    {
        var info = ReadInfo(path);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(path, ManifestFile)))!.AsObject();
        var files = manifest["files"] as JsonObject ?? throw new CheckpointCorruptException($"{path}/{ManifestFile} lists no files");
        foreach (var file in Files.Concat(ArtifactFiles(files))) Check(path, file, files);
        return info;
    }

    /// <summary>The artifacts a checkpoint holds (<see cref="CheckpointData.Artifacts"/>), by file name, each checked
    /// against the manifest; empty for a checkpoint without any. Throws <see cref="CheckpointCorruptException"/> as
    /// <see cref="Verify"/> does.</summary>
    public static IReadOnlyDictionary<string, byte[]> ReadArtifacts(string path)
    {
        // Only the artifacts are checked here: the weights are verified when the checkpoint itself is loaded, and
        // hashing them twice per eval or predict would cost as much as reading them.
        ReadInfo(path);
        var files = JsonNode.Parse(File.ReadAllText(Path.Combine(path, ManifestFile)))?["files"] as JsonObject
                    ?? throw new CheckpointCorruptException($"{path}/{ManifestFile} lists no files");
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var relative in ArtifactFiles(files))
            result[relative[(ArtifactsFolder.Length + 1)..]] = Check(path, relative, files, read: true)!;
        return result;
    }

    // Checks one file against its manifest entry (present, size, SHA-256), naming it in the error; with read, hashes
    // the bytes it returns, so what the caller gets is what was checked.
    private static byte[]? Check(string path, string file, JsonObject files, bool read = false)
    {
        var entry = files[file] as JsonObject ?? throw new CheckpointCorruptException($"{path}/{ManifestFile} does not list {file}");
        var full = Path.Combine(path, file);
        if (!File.Exists(full)) throw new CheckpointCorruptException($"checkpoint {path} is missing {file}");
        var expectedBytes = (long)entry["bytes"]!;
        var actualBytes = new FileInfo(full).Length;
        if (actualBytes != expectedBytes)
            throw new CheckpointCorruptException($"{full} is {actualBytes} bytes but the manifest says {expectedBytes} (truncated or overwritten)");
        byte[]? bytes = null;
        string actual;
        if (read)
        {
            bytes = File.ReadAllBytes(full);
            actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        else
        {
            using var stream = File.OpenRead(full);
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        var expected = (string?)entry["sha256"] ?? "";
        if (actual != expected)
            throw new CheckpointCorruptException($"{full} fails its checksum (SHA-256 {actual[..12]}…, the manifest says {expected[..Math.Min(12, expected.Length)]}…): the file is corrupt");
        return bytes;
    }

    // The manifest's artifact entries, "artifacts/NAME", checked to name a file inside the folder.
    private static IEnumerable<string> ArtifactFiles(JsonObject files)
    {
        foreach (var (key, _) in files)
        {
            if (!key.StartsWith(ArtifactsFolder + "/", StringComparison.Ordinal)) continue;
            var name = key[(ArtifactsFolder.Length + 1)..];
            if (!IsArtifactName(name)) throw new CheckpointCorruptException($"{ManifestFile} lists an artifact with an invalid name: '{key}'");
            yield return key;
        }
    }

    private static bool IsArtifactName(string name) =>
        name.Length is > 0 and <= 128 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private static string CheckArtifactName(string name) => IsArtifactName(name) ? name
        : throw new ArgumentException($"'{name}' is not a valid artifact name: ASCII letters, digits, '.', '-' and '_', not starting with '.'", nameof(name));

    /// <summary>Verifies and loads a checkpoint.</summary>
    public static Checkpoint Load(string path)
    {
        var info = Verify(path);
        SafeTensors.Contents? model = null, state = null;
        try
        {
            model = SafeTensors.Load(Path.Combine(path, ModelFile));
            state = SafeTensors.Load(Path.Combine(path, StateFile));
            var trainer = JsonNode.Parse(File.ReadAllText(Path.Combine(path, TrainerStateFile)))?.AsObject()
                          ?? throw new CheckpointCorruptException($"{path}/{TrainerStateFile} is empty");
            return new Checkpoint(info, model, state, trainer);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            model?.Dispose();
            state?.Dispose();
            throw new CheckpointCorruptException($"checkpoint {path} can't be read: {e.Message}", e);
        }
    }

    /// <summary>The checkpoints of a directory that have a readable manifest, oldest first (by global step, then
    /// creation time). Temporary and half-deleted directories are skipped.</summary>
    public static IReadOnlyList<CheckpointInfo> List(string directory, ICollection<string>? problems = null)
    {
        if (!Directory.Exists(directory)) return [];
        var list = new List<CheckpointInfo>();
        foreach (var dir in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith('.')) continue;
            try
            {
                list.Add(ReadInfo(dir));
            }
            catch (CheckpointCorruptException e)
            {
                problems?.Add(e.Message);
            }
        }
        return [.. list.OrderBy(c => c.GlobalStep).ThenBy(c => c.Epoch).ThenBy(c => c.Created)];
    }

    /// <summary>Loads the newest checkpoint of <paramref name="directory"/> that verifies. Each newer one that does
    /// not is reported through <paramref name="skipped"/> (with why) and passed over. Throws
    /// <see cref="CheckpointCorruptException"/> when none is valid, listing what was wrong with each.</summary>
    public static Checkpoint LoadNewest(string directory, Action<string>? skipped = null)
    {
        var problems = new List<string>();
        var all = List(directory, problems);
        foreach (var p in problems) skipped?.Invoke(p);
        for (var i = all.Count - 1; i >= 0; i--)
        {
            try
            {
                return Load(all[i].Path);
            }
            catch (CheckpointCorruptException e)
            {
                problems.Add(e.Message);
                skipped?.Invoke(e.Message);
            }
        }
        throw new CheckpointCorruptException(problems.Count == 0
            ? $"no checkpoint in {directory}"
            : $"no valid checkpoint in {directory}:\n  " + string.Join("\n  ", problems));
    }

    /// <summary>Deletes a checkpoint: renamed aside first (so it stops being listed at once), then removed.</summary>
    public static void Delete(string path)
    {
        if (!Directory.Exists(path)) return;
        var parent = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var aside = Path.Combine(parent, OldPrefix + Path.GetFileName(path) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(path, aside);
        Directory.Delete(aside, recursive: true);
    }

    /// <summary>Removes temporary and half-deleted directories a crash left behind.</summary>
    public static void CleanTemporary(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var dir in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal) || name.StartsWith(OldPrefix, StringComparison.Ordinal))
                Directory.Delete(dir, recursive: true);
        }
    }
}

/// <summary>A loaded, verified checkpoint. Dispose to free its tensors.</summary>
public sealed class Checkpoint(CheckpointInfo info, SafeTensors.Contents model, SafeTensors.Contents state, JsonObject trainerState) : IDisposable
{
    public CheckpointInfo Info { get; } = info;
    public SafeTensors.Contents Model { get; } = model;
    public SafeTensors.Contents State { get; } = state;
    public JsonObject TrainerState { get; } = trainerState;

    public void Dispose()
    {
        Model.Dispose();
        State.Dispose();
    }
}

internal static class JsonOptions
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
