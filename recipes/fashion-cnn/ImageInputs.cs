using System.Globalization;
using System.Text.RegularExpressions;
using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.NN;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>
/// Reads images to classify: PNG or JPEG files (converted to the model's channels and resized to its input size), or
/// an IDX image file, all of it or a selection <c>FILE:I</c> / <c>FILE:I-J</c> (0-based, inclusive).
/// </summary>
public static partial class ImageInputs
{
    public static PredictionInputs Read(IReadOnlyList<string> inputs, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("no inputs to predict", nameof(inputs));
        using var scope = Torch.NewDisposeScope();
        var images = new List<Tensor>();   // each (1, C, H, W) uint8
        var names = new List<string>();
        foreach (var input in inputs)
        {
            var (path, first, last) = Selector(input);
            if (IsImage(path))
            {
                var image = Image.Read(path, channels);                                   // (C, h, w)
                if (image.Shape[1] != height || image.Shape[2] != width) image = Image.Resize(image, height, width);
                images.Add(image.Unsqueeze(0));
                names.Add(Path.GetFileName(path));
                continue;
            }
            var idx = Idx.Read(path);                                                     // (N, H, W) uint8
            if (idx.Dtype != ScalarType.UInt8 || idx.Dim != 3 || idx.Shape[1] != height || idx.Shape[2] != width || channels != 1)
                throw new InvalidDataException($"{path}: expected uint8 {height}x{width} images for a {channels}-channel model, " +
                                               $"got {idx.Dtype.TorchName()} [{string.Join(", ", idx.Shape)}]");
            var start = first ?? 0;
            var end = last ?? (int)idx.Shape[0] - 1;
            if (start >= idx.Shape[0] || end >= idx.Shape[0])
                throw new ArgumentException($"{path} holds {idx.Shape[0]} images; {start}-{end} is out of range");
            images.Add(idx.Narrow(0, start, end - start + 1).Unsqueeze(1));
            for (var i = start; i <= end; i++) names.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)}[{i}]"));
        }
        var all = Torch.Cat(images.ToArray(), 0).Contiguous();
        return new PredictionInputs(new TensorDataset(all), names);
    }

    private static bool IsImage(string path) =>
        path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) ||
        path.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase);

    // "file.gz:3-5" → (file.gz, 3, 5) when file.gz exists and "file.gz:3-5" does not.
    private static (string Path, int? First, int? Last) Selector(string input)
    {
        if (File.Exists(input)) return (input, null, null);
        var m = SelectorPattern().Match(input);
        if (m.Success && File.Exists(m.Groups[1].Value))
        {
            var first = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var last = m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : first;
            if (last < first) throw new ArgumentException($"{input}: the range {first}-{last} is empty");
            return (m.Groups[1].Value, first, last);
        }
        throw new FileNotFoundException($"input {input} does not exist", input);
    }

    [GeneratedRegex(@"^(.*):(\d+)(?:-(\d+))?$")]
    private static partial Regex SelectorPattern();
}
