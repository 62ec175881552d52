using System.Text.Json;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Support;

/// <summary>
/// The serial collection: tests that seed the process-global CPU generator and need nobody else to draw from it
/// between the seed and their draws, and tests that count live tensors (a process-wide figure). xunit runs this
/// collection after all the parallel ones, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "global generator and live-tensor count";
}

/// <summary>The PyTorch reference files of tests/fixtures/torch, loaded once per test run and shared read-only.
/// Tests take copies (<see cref="Copy"/>) of anything they modify.</summary>
internal static class TorchFixtures
{
    /// <summary>Held by every test that seeds the global generator, from the seed until its last seeded draw.</summary>
    public static readonly Lock SeedLock = new();

    private static readonly Lazy<SafeTensors.Contents> LayersFile = new(() => Load("layers"));
    private static readonly Lazy<SafeTensors.Contents> LossesFile = new(() => Load("losses"));
    private static readonly Lazy<SafeTensors.Contents> InitFile = new(() => Load("init"));

    public static SafeTensors.Contents Layers => LayersFile.Value;
    public static SafeTensors.Contents Losses => LossesFile.Value;
    public static SafeTensors.Contents InitCases => InitFile.Value;

    private static SafeTensors.Contents Load(string name) => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torch", name + ".safetensors"));

    /// <summary>Every case name of a file (metadata keys except _about), as xunit theory data.</summary>
    public static TheoryData<string> CaseNames(string file)
    {
        var contents = file switch { "layers" => Layers, "losses" => Losses, _ => InitCases };
        var data = new TheoryData<string>();
        foreach (var key in contents.Metadata.Keys.Where(k => k != "_about").Order(StringComparer.Ordinal)) data.Add(key);
        return data;
    }

    public static JsonElement Meta(SafeTensors.Contents file, string caseName)
    {
        using var doc = JsonDocument.Parse(file.Metadata[caseName]);
        return doc.RootElement.Clone();
    }

    /// <summary>The entries under "case/prefix", keyed by the rest of the name, in file order.</summary>
    public static List<KeyValuePair<string, Tensor>> Under(SafeTensors.Contents file, string prefix) =>
        file.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, Tensor>(kv.Key[prefix.Length..], kv.Value)).ToList();

    /// <summary>A copy in the current dispose scope.</summary>
    public static Tensor Copy(Tensor t) => t.Clone();

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SafeTensors.Contents> Files = new();

    /// <summary>Any fixture file by its file name (e.g. "ops.safetensors"), loaded once.</summary>
    public static SafeTensors.Contents Open(string fileName) => fileName switch
    {
        "layers.safetensors" => Layers,
        "losses.safetensors" => Losses,
        "init.safetensors" => InitCases,
        _ => Files.GetOrAdd(fileName, f => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torch", f))),
    };

    /// <summary>Case names of a file (metadata keys except _about) passing the filter, as xunit theory data.</summary>
    public static TheoryData<string> Cases(string fileName, Func<string, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var key in Open(fileName).Metadata.Keys.Where(k => k != "_about" && (where?.Invoke(k) ?? true)).Order(StringComparer.Ordinal))
            data.Add(key);
        return data;
    }

    public static JsonElement Meta(string fileName, string caseName) => Meta(Open(fileName), caseName);
}
