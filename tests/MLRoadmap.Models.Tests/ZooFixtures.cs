using System.Text.Json;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// torchvision's side of the parity tests. The committed tests/fixtures/torchvision/zoo_logits.safetensors holds a
/// fixed input and torchvision's logits; the weights those logits came from are too big to commit (VGG-16: 553 MB),
/// so <see cref="Weights"/> has make_zoo_fixtures.py write them into .cache/zoo-weights the first time they are
/// needed (about 30 s for all eight models and 4.6 GB with the .pth copies), and reuses them afterwards.
/// </summary>
internal static class ZooFixtures
{
    public const string Python = "/usr/bin/python3";

    /// <summary>The torchvision models the fixture covers, which are the zoo's names too.</summary>
    public static readonly string[] TorchvisionNames =
        ["resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2"];

    private static readonly Lock GenerateLock = new();
    private static readonly Lazy<SafeTensors.Contents> LogitsFile =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "zoo_logits.safetensors")));
    private static readonly Lazy<SafeTensors.Contents> GenerativeFile =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "generative.safetensors")));

    public static string Script => Path.Combine(Repo.Fixtures, "torchvision", "make_zoo_fixtures.py");

    public static string WeightsDirectory => Path.Combine(Repo.Root, ".cache", "zoo-weights");

    /// <summary>The committed input and logits (read-only; shared by every test).</summary>
    public static SafeTensors.Contents Logits => LogitsFile.Value;

    /// <summary>The committed DCGAN and VAE-loss cases.</summary>
    public static SafeTensors.Contents Generative => GenerativeFile.Value;

    public static TheoryData<string> Names() => new(TorchvisionNames);

    public static JsonElement Meta(string name)
    {
        using var doc = JsonDocument.Parse(Logits.Metadata[name]);
        return doc.RootElement.Clone();
    }

    /// <summary>The path of torchvision's seeded weights for <paramref name="name"/> as .safetensors, written by the
    /// fixture script if they are absent or were made for another version of the committed fixture.</summary>
    public static string Weights(string name) => Ensure(name, ".safetensors");

    /// <summary>The same weights as torch.save wrote them (a .pth zip).</summary>
    public static string Pth(string name) => Ensure(name, ".pth");

    private static string Ensure(string name, string extension)
    {
        lock (GenerateLock)
        {
            var stale = TorchvisionNames.Where(n => !IsCurrent(n)).ToList();
            if (stale.Count > 0) Generate(stale);
            return Path.Combine(WeightsDirectory, name + extension);
        }
    }

    // Current: the stamp the script writes last exists and names the weights the committed logits came from.
    private static bool IsCurrent(string name)
    {
        var stamp = Path.Combine(WeightsDirectory, name + ".json");
        if (!File.Exists(stamp) || !File.Exists(Path.Combine(WeightsDirectory, name + ".safetensors"))
            || !File.Exists(Path.Combine(WeightsDirectory, name + ".pth"))) return false;
        using var doc = JsonDocument.Parse(File.ReadAllText(stamp));
        // "pth": the .pth holds the weights as initialised (older caches saved them after a training-mode forward).
        return doc.RootElement.GetProperty("weights_sha256").GetString() == Meta(name).GetProperty("weights_sha256").GetString()
               && doc.RootElement.TryGetProperty("pth", out var pth) && pth.GetString() == "initial-weights";
    }

    private static void Generate(IReadOnlyList<string> names)
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException(
                $"the torchvision parity tests need {Python} with torch and torchvision (Debian: apt-get install " +
                $"python3-torchvision) to write the weights into {WeightsDirectory}; {Python} does not exist");
        var (probe, probeOutput) = Repo.Run(Python, "-c \"import torch, torchvision\"", timeoutMs: 120_000);
        if (probe != 0)
            throw new InvalidOperationException(
                $"the torchvision parity tests need torch and torchvision importable from {Python} (Debian: apt-get " +
                $"install python3-torchvision) to write the weights into {WeightsDirectory}: {probeOutput.Trim()}");
        var (code, output) = Repo.Run(Python, $"\"{Script}\" --weights \"{WeightsDirectory}\" --models {string.Join(",", names)}",
            timeoutMs: 600_000);
        if (code != 0)
            throw new InvalidOperationException($"{Script} --weights failed (exit {code}):\n{output}");
    }
}
