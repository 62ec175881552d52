using MLRoadmap.Data;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Recipes.TransferResnet;

/// <summary>
/// An image folder to fine-tune on, in either layout:
/// <list type="bullet">
/// <item><c>PATH/train/CLASS/*.png|jpg</c>, with <c>PATH/val/</c> (or fastai's <c>PATH/valid/</c>) and
/// <c>PATH/test/</c> optional and laid out the same way; without a validation folder, data.val_fraction of train/
/// validates.</item>
/// <item><c>PATH/CLASS/*.png|jpg</c>: data.val_fraction validates, and there is no test split.</item>
/// </list>
/// Classes are the training folder's class folders in name order (torchvision's ImageFolder), or the ones data.classes
/// lists, in its order; validation and test images are labelled by their folder's name, so those folders may hold
/// fewer classes. Images are decoded as they are batched, in data.channels channels, resized (squashed) to
/// data.image_size square.
/// </summary>
public sealed class FolderData
{
    private FolderData(string root, string trainDir, string? valDir, string? testDir)
    {
        Root = root;
        TrainDir = trainDir;
        ValDir = valDir;
        TestDir = testDir;
    }

    public string Root { get; }
    public string TrainDir { get; }
    public string? ValDir { get; }
    public string? TestDir { get; }

    /// <summary>Finds the layout of <paramref name="root"/>.</summary>
    public static FolderData Open(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"data.path {root} does not exist");
        var train = Path.Combine(root, "train");
        if (!Directory.Exists(train)) return new FolderData(root, root, null, null);
        string? Optional(params string[] names) => names.Select(n => Path.Combine(root, n)).FirstOrDefault(Directory.Exists);
        return new FolderData(root, train, Optional("val", "valid"), Optional("test"));
    }

    /// <summary>The class names, by label: <paramref name="configured"/> (data.classes, comma-separated) checked
    /// against the training folder, or every class folder of it in ordinal order.</summary>
    public IReadOnlyList<string> Classes(string? configured)
    {
        var found = Directory.GetDirectories(TrainDir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();
        if (found.Count == 0) throw new InvalidDataException($"{TrainDir} has no class sub-folders (expected {TrainDir}/CLASS/*.png|jpg|jpeg)");
        if (configured is null) return found;
        var names = ParseClasses(configured);
        var missing = names.Where(n => !found.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"data.classes names {string.Join(", ", missing.Select(m => $"'{m}'"))}, which {TrainDir} has no folder for; " +
                                           $"it has {string.Join(", ", found)}");
        return names;
    }

    /// <summary>data.classes as a list: comma-separated, trimmed, at least two, no repeats.</summary>
    public static IReadOnlyList<string> ParseClasses(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = text.Split(',').Select(n => n.Trim()).ToList();
        if (names.Any(n => n.Length == 0)) throw new ConfigException($"data.classes='{text}' has an empty name");
        if (names.Count < 2) throw new ConfigException($"data.classes='{text}' names {names.Count} class; a classifier needs two or more");
        var repeated = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ConfigException($"data.classes names '{repeated.Key}' twice");
        return names;
    }

    /// <summary>The images of <paramref name="directory"/> whose folders are among <paramref name="classes"/>,
    /// labelled by their index there.</summary>
    public static FolderSubset Load(string directory, IReadOnlyList<string> classes, TransferData data)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(data);
        var folder = new ImageFolder(directory, data.ImageSize, data.ImageSize, data.Channels == 1 ? 1 : 3);
        var labelOf = folder.ClassNames.Select(name => (long)IndexOf(classes, name)).ToArray();   // folder label → ours, -1: not used
        var rows = Enumerable.Range(0, folder.Count).Where(i => labelOf[folder.Labels[i]] >= 0).ToArray();
        if (rows.Length == 0)
            throw new InvalidDataException($"{directory} holds no images of the classes {string.Join(", ", classes)}");
        return new FolderSubset(folder, rows, rows.Select(i => labelOf[folder.Labels[i]]).ToArray());
    }

    private static int IndexOf(IReadOnlyList<string> list, string name)
    {
        for (var i = 0; i < list.Count; i++)
            if (string.Equals(list[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }
}

/// <summary>Some of an <see cref="ImageFolder"/>'s images with labels of our own: batches are decoded on demand,
/// (B, C, S, S) uint8 and (B) int64.</summary>
public sealed class FolderSubset(ImageFolder folder, int[] rows, long[] labels) : IBatchedDataset
{
    public ImageFolder Folder { get; } = folder;

    public int Count => rows.Length;

    /// <summary>The label of each example.</summary>
    public IReadOnlyList<long> Labels => labels;

    /// <summary>The examples at <paramref name="positions"/> of this subset, in <paramref name="positions"/>' order.</summary>
    public FolderSubset Take(IEnumerable<int> positions)
    {
        var kept = positions.ToArray();
        return new FolderSubset(Folder, [.. kept.Select(p => rows[p])], [.. kept.Select(p => labels[p])]);
    }

    public Batch GetBatch(ReadOnlySpan<int> indices)
    {
        var mapped = new int[indices.Length];
        var ours = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {indices[i]} is outside the subset's {Count} images");
            mapped[i] = rows[indices[i]];
            ours[i] = labels[indices[i]];
        }
        using var decoded = Folder.GetBatch(mapped);
        using var scope = Torch.NewDisposeScope();
        return new Batch(decoded.Input.Alias(), Torch.Tensor(ours));
    }
}
