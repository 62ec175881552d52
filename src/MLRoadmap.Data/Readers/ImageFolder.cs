using MLRoadmap.Imaging;
using MLRoadmap.NN;

namespace MLRoadmap.Data;

/// <summary>One image example: a uint8 (C, H, W) image the receiver owns (and disposes), and its class index.</summary>
public readonly record struct ImageExample(Tensor Image, long Label);

/// <summary>
/// Images in one folder per class, <c>root/&lt;class&gt;/**/*.{png,jpg,jpeg}</c> (torchvision's ImageFolder):
/// classes are the sub-folders in ordinal order, files in ordinal order of their paths within each class. Images are
/// decoded when asked for (libpng / libjpeg-turbo), converted to <see cref="Channels"/> channels and, when a size is
/// given, resized to it so that examples stack into batches (uint8 (B, C, H, W), int64 labels).
/// </summary>
public sealed class ImageFolder : IDataset<ImageExample>, IBatchedDataset
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];
    private readonly string[] _paths;
    private readonly long[] _labels;

    /// <summary>
    /// Indexes <paramref name="root"/>. <paramref name="height"/> and <paramref name="width"/> (both or neither)
    /// resize every image with <paramref name="resize"/> (bilinear, antialiased when shrinking, as PIL; see
    /// <see cref="Image.Resize"/>); without them images keep their size and a batch needs them all alike.
    /// <paramref name="channels"/>: 1 (gray), 3 (RGB) or 4 (RGBA).
    /// </summary>
    public ImageFolder(string root, int? height = null, int? width = null, int channels = 3,
        InterpolateMode resize = InterpolateMode.Bilinear, bool antialias = true)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (height.HasValue != width.HasValue) throw new ArgumentException("give both height and width, or neither");
        if (height is < 1 || width is < 1) throw new ArgumentOutOfRangeException(nameof(height), $"the size must be positive, got {height}x{width}");
        if (channels is not (1 or 3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1, 3 or 4");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"image folder {root} does not exist");
        var classes = Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new InvalidDataException($"{root} has no class sub-folders (expected root/<class>/*.png|jpg|jpeg)");
        var paths = new List<string>();
        var labels = new List<long>();
        for (var c = 0; c < classes.Length; c++)
        {
            var dir = Path.Combine(root, classes[c]);
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .OrderBy(f => Path.GetRelativePath(dir, f), StringComparer.Ordinal).ToArray();
            if (files.Length == 0) throw new InvalidDataException($"class folder {dir} holds no .png, .jpg or .jpeg files");
            paths.AddRange(files);
            labels.AddRange(Enumerable.Repeat((long)c, files.Length));
        }
        _paths = [.. paths];
        _labels = [.. labels];
        ClassNames = classes;
        Height = height;
        Width = width;
        Channels = channels;
        ResizeMode = resize;
        Antialias = antialias;
    }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Each example's file.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>Each example's label, without decoding anything.</summary>
    public IReadOnlyList<long> Labels => _labels;

    public int? Height { get; }

    public int? Width { get; }

    public int Channels { get; }

    public InterpolateMode ResizeMode { get; }

    public bool Antialias { get; }

    public int Count => _paths.Length;

    /// <summary>The decoded (and resized) image (C, H, W) uint8, owned by the caller, and its label.</summary>
    public ImageExample this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside the dataset's {Count} images");
            return new ImageExample(Load(index), _labels[index]);
        }
    }

    /// <summary>Decodes the images at <paramref name="indices"/> into one batch: (B, C, H, W) uint8, (B) int64.</summary>
    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var images = new Tensor[indices.Length];
        var labels = new long[indices.Length];
        try
        {
            for (var i = 0; i < indices.Length; i++)
            {
                if ((uint)indices[i] >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {indices[i]} is outside the dataset's {Count} images");
                images[i] = Load(indices[i]);
                labels[i] = _labels[indices[i]];
                if (i > 0 && !images[i].Shape.AsSpan().SequenceEqual(images[0].Shape))
                    throw new InvalidDataException($"{_paths[indices[i]]} is [{string.Join(", ", images[i].Shape)}] but {_paths[indices[0]]} is " +
                        $"[{string.Join(", ", images[0].Shape)}]: give ImageFolder a height and width to resize to");
            }
            using var scope = Torch.NewDisposeScope();
            return new Batch(Torch.Stack(images), Torch.Tensor(labels));
        }
        finally
        {
            foreach (var image in images) image?.Dispose();
        }
    }

    /// <summary>Stacks examples into a batch (B, C, H, W) uint8 and (B) int64, disposing the examples' images.</summary>
    public static Batch Collate(IReadOnlyList<ImageExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) throw new ArgumentException("no examples to collate", nameof(examples));
        try
        {
            var first = examples[0].Image.Shape;
            for (var i = 1; i < examples.Count; i++)
                if (!examples[i].Image.Shape.AsSpan().SequenceEqual(first))
                    throw new ArgumentException($"example {i} is [{string.Join(", ", examples[i].Image.Shape)}] but example 0 is " +
                        $"[{string.Join(", ", first)}]: images must share a size to stack (give ImageFolder a height and width)", nameof(examples));
            using var scope = Torch.NewDisposeScope();
            var images = Torch.Stack(examples.Select(e => e.Image).ToArray());
            var labels = Torch.Tensor(examples.Select(e => e.Label).ToArray());
            return new Batch(images, labels);
        }
        finally
        {
            foreach (var e in examples) e.Image?.Dispose();
        }
    }

    // The image, in no dispose scope: the caller owns it.
    private Tensor Load(int index)
    {
        var image = Image.Read(_paths[index], Channels).DetachFromDisposeScope();
        if (Height is null) return image;
        using (image) return Image.Resize(image, Height.Value, Width!.Value, ResizeMode, Antialias).DetachFromDisposeScope();
    }
}
