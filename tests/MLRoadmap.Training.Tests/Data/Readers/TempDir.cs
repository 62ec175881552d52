using System.Text.Json;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>A fresh temporary directory, deleted with everything in it on Dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("mlr-readers-").FullName;

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside the directory, its parent folders created.</summary>
    public string File(string relative)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public string Write(string relative, byte[] bytes)
    {
        var full = File(relative);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public string Write(string relative, string text)
    {
        var full = File(relative);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>tests/fixtures/readers/expected.json: facts about the real data files, computed by Python readers.</summary>
internal static class ReaderFixtures
{
    private static readonly Lazy<JsonElement> Root = new(() =>
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(Repo.Fixtures, "readers", "expected.json")));
        return doc.RootElement.Clone();
    });

    public static JsonElement Get(string name) => Root.Value.GetProperty(name);

    public static long[] Longs(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();
}
