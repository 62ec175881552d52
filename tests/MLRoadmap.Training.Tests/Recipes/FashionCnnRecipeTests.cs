using System.Buffers.Binary;
using System.Text.Json.Nodes;
using MLRoadmap.Imaging;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Cli;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// fashion-cnn through the real CLI: a seconds-long smoke run on Debian's Fashion-MNIST, and the same recipe pointed
/// by <c>data.path</c> at an MNIST-style IDX folder and a CIFAR-10 binary folder, both written here in the real
/// formats. The synthetic classes differ by brightness (IDX) or colour (CIFAR), which survive the recipe's crops and
/// flips, so a few epochs must learn them: a reader that scrambled images or labels would leave the accuracy at chance.
/// </summary>
public sealed class FashionCnnRecipeTests : IDisposable
{
    private const string FashionDir = "/usr/share/datasets/fashion-mnist";
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-fashion-cnn-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly string[] CifarNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private CliProcess.Result Cli(string arguments)
    {
        var result = CliProcess.Run(arguments, _root, timeoutMs: 180_000);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static List<JsonObject> JsonLines(CliProcess.Result result) =>
        result.Stdout.Trim().Split('\n').Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static double TestAccuracy(CliProcess.Result eval) => (double)JsonNode.Parse(eval.Stdout)!["test_acc"]!;

    [Fact]
    public void Smoke_run_on_fashion_mnist_trains_evaluates_and_predicts_clothes()
    {
        Cli("train fashion-cnn --run-dir smoke --epochs 1 --batch-size 64 --set data.limit=640 --set model.width=8");
        var eval = Cli("eval smoke --json");
        Assert.InRange(TestAccuracy(eval), 0.0, 1.0);
        var rows = JsonLines(Cli($"predict smoke {FashionDir}/t10k-images-idx3-ubyte.gz:0-2 --top-k 3 --json"));
        Assert.Equal(3, rows.Count);
        foreach (var row in rows)
        {
            var top = row["top"]!.AsArray();
            Assert.Equal(3, top.Count);
            Assert.All(top, t => Assert.Contains((string)t!["label"]!, MLRoadmap.Data.Mnist.FashionClasses));
            var scores = top.Select(t => (double)t!["score"]!).ToArray();
            Assert.Equal(scores.OrderByDescending(s => s), scores);
        }
    }

    [Fact]
    public void Mnist_idx_folder_by_data_path_trains_to_the_synthetic_classes_and_names_digits()
    {
        var dir = Path.Combine(_root, "mnist");
        WriteIdxSet(dir, "train", count: 1200, seed: 1);
        WriteIdxSet(dir, "t10k", count: 200, seed: 2);
        Cli($"train fashion-cnn --run-dir digits --epochs 3 --batch-size 32 --set data.path={dir} --set data.flip=false --set model.width=8");

        var eval = Cli("eval digits --json");
        Assert.True(TestAccuracy(eval) >= 0.9, eval.Stdout);
        var rows = JsonLines(Cli($"predict digits {dir}/t10k-images-idx3-ubyte:0-9 --top-k 1 --json"));
        var labels = ReadIdxLabels(Path.Combine(dir, "t10k-labels-idx1-ubyte")).Take(10);
        Assert.Equal(labels.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Select(r => (string)r["label"]!));
    }

    [Fact]
    public void Cifar10_binary_folder_by_data_path_trains_a_three_channel_model_and_predicts_png_files()
    {
        var dir = Path.Combine(_root, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        for (var b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{b}.bin"), CifarRecords(200, seed: b));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), CifarRecords(200, seed: 9));
        File.WriteAllText(Path.Combine(dir, "batches.meta.txt"), string.Join('\n', CifarNames) + "\n\n");   // as the download has it
        Cli($"train fashion-cnn --run-dir cifar --epochs 4 --batch-size 50 --set data.path={dir} --set model.width=8");

        var checkpoint = Directory.GetDirectories(Path.Combine(_root, "cifar", "checkpoints")).Max()!;
        using (var weights = SafeTensors.Load(Path.Combine(checkpoint, "model.safetensors")))
            Assert.Equal(new long[] { 8, 3, 3, 3 }, weights["net.features.0.0.weight"].Shape);   // RGB in, width 8
        var eval = Cli("eval cifar --json");
        Assert.True(TestAccuracy(eval) >= 0.9, eval.Stdout);

        // Three test images as PNG files: predict reads them as 3x32x32 and names CIFAR-10's classes.
        var test = File.ReadAllBytes(Path.Combine(dir, "test_batch.bin"));
        var files = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var image = Torch.Tensor(test.AsSpan(i * 3073 + 1, 3072).ToArray()).Reshape(3, 32, 32);
            var png = Path.Combine(_root, $"test{i}.png");
            Image.WritePng(png, image);
            files.Add(png);
        }
        var rows = JsonLines(Cli($"predict cifar {string.Join(' ', files)} --top-k 2 --json"));
        Assert.Equal(Enumerable.Range(0, 3).Select(i => CifarNames[test[i * 3073]]), rows.Select(r => (string)r["label"]!));
    }

    // Class k: noise around a grey level of 20 + 22k, so brightness alone tells the classes apart.
    private static void WriteIdxSet(string dir, string prefix, int count, int seed)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(seed);
        var labels = new byte[count];
        var pixels = new byte[count * 784];
        for (var n = 0; n < count; n++)
        {
            labels[n] = (byte)random.Next(10);
            for (var p = 0; p < 784; p++) pixels[n * 784 + p] = (byte)(20 + 22 * labels[n] + random.Next(-12, 13));
        }
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), Idx(0x0803, [count, 28, 28], pixels));
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), Idx(0x0801, [count], labels));
    }

    // IDX: a big-endian magic (0, 0, type 0x08 = ubyte, number of dimensions), the big-endian dimensions, the bytes.
    private static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] ReadIdxLabels(string path) => File.ReadAllBytes(path)[8..];

    // CIFAR-10 binary records: a label byte, then 1024 red, 1024 green, 1024 blue bytes. Class k has its own colour.
    private static byte[] CifarRecords(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[count * 3073];
        for (var r = 0; r < count; r++)
        {
            var label = random.Next(10);
            bytes[r * 3073] = (byte)label;
            int[] colour = [(label * 97) % 256, (label * 53 + 40) % 256, (label * 151 + 90) % 256];
            for (var c = 0; c < 3; c++)
                for (var p = 0; p < 1024; p++)
                    bytes[r * 3073 + 1 + c * 1024 + p] = (byte)Math.Clamp(colour[c] + random.Next(-15, 16), 0, 255);
        }
        return bytes;
    }
}
