using System.Globalization;
using System.Text.RegularExpressions;
using MLRoadmap.Data;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.FashionMlp;

/// <summary>
/// Reads images to classify: an IDX image file (gzipped or not) gives all its images, or a selection of them with
/// <c>FILE:I</c> or <c>FILE:I-J</c> (0-based, inclusive); a CSV file gives one image per line, 784 pixel values
/// 0-255 in row order (785 with a label first, as the common Fashion-MNIST CSVs have; a header line is skipped).
/// </summary>
internal static partial class FashionInputs
{
    public static PredictionInputs Read(IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("no inputs to predict", nameof(inputs));
        var rows = new List<float>();
        var names = new List<string>();
        foreach (var input in inputs)
        {
            var (path, first, last) = Selector(input);
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) ReadCsv(path, rows, names);
            else ReadIdx(path, first, last, rows, names);
        }
        using var scope = Torch.NewDisposeScope();
        return new PredictionInputs(new TensorDataset(Torch.Tensor(rows.ToArray(), [names.Count, FashionMnist.Pixels])), names);
    }

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

    private static void ReadIdx(string path, int? first, int? last, List<float> rows, List<string> names)
    {
        using var images = Idx.Read(path);
        var dims = images.Shape;
        if (images.Dtype != ScalarType.UInt8 || dims.Length is not (2 or 3) || dims.Skip(1).Aggregate(1L, (a, b) => a * b) != FashionMnist.Pixels)
            throw new InvalidDataException($"{path}: expected uint8 28 x 28 images (an idx3 file), got {images.Dtype} {string.Join(" x ", dims)}");
        byte[] pixels;
        using (var contiguous = images.Contiguous()) pixels = contiguous.ToArray<byte>();
        var start = first ?? 0;
        if (start >= dims[0] || (last is { } l && l >= dims[0]))
            throw new ArgumentException($"{path} holds {dims[0]} images; {start}-{last ?? start} is out of range");
        var end = last ?? (int)dims[0] - 1;
        for (var i = start; i <= end; i++)
        {
            foreach (var b in pixels.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels)) rows.Add(b);
            names.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)}[{i}]"));
        }
    }

    private static void ReadCsv(string path, List<float> rows, List<string> names)
    {
        var lineNumber = 0;
        var before = names.Count;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var cells = line.Split(',', StringSplitOptions.TrimEntries);
            var values = new float[cells.Length];
            var numeric = true;
            for (var i = 0; i < cells.Length && numeric; i++)
                numeric = float.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]);
            if (!numeric)
            {
                if (names.Count == before && lineNumber == 1) continue;   // a header
                throw new InvalidDataException($"{path} line {lineNumber}: a value is not a number");
            }
            var skip = cells.Length switch
            {
                FashionMnist.Pixels => 0,
                FashionMnist.Pixels + 1 => 1,
                _ => throw new InvalidDataException($"{path} line {lineNumber}: {cells.Length} values; expected 784 pixels (or a label and 784 pixels)"),
            };
            for (var i = skip; i < values.Length; i++)
            {
                if (values[i] is < 0 or > 255) throw new InvalidDataException($"{path} line {lineNumber}: pixel {i - skip} is {values[i]}, outside 0-255");
                rows.Add(values[i]);
            }
            names.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path)}:{lineNumber}"));
        }
        if (names.Count == before) throw new InvalidDataException($"{path} holds no image");
    }

    [GeneratedRegex(@"^(.*):([0-9]+)(?:-([0-9]+))?$")]
    private static partial Regex SelectorPattern();
}
