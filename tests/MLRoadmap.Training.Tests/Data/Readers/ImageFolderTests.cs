using MLRoadmap.Data;
using MLRoadmap.Imaging;
using MLRoadmap.NN;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>ImageFolder over a tiny tree built from the PNG/JPEG fixtures: class order, decoding, channel
/// conversion, resizing to a common size, batches and collate, and the errors for unusable trees and files.</summary>
public class ImageFolderTests
{
    private static string Fixture(string name) => Path.Combine(Repo.Fixtures, "images", name);

    // cat: rgb.png (34x21), palette.png (34x21); dog: gray.jpg (56x40), sub/rgba.PNG (34x21); plus non-images.
    private static TempDir Tree()
    {
        var dir = new TempDir();
        File.Copy(Fixture("rgb.png"), dir.File("cat/b.png"));
        File.Copy(Fixture("palette.png"), dir.File("cat/a.png"));
        File.Copy(Fixture("gray.jpg"), dir.File("dog/x.jpeg"));
        File.Copy(Fixture("rgba.png"), dir.File("dog/sub/y.PNG"));
        dir.Write("dog/readme.txt", "not an image");
        return dir;
    }

    [Fact]
    public void Classes_files_and_labels_in_ordinal_order()
    {
        using var dir = Tree();
        var ds = new ImageFolder(dir.Path);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal(new[] { "cat/a.png", "cat/b.png", "dog/sub/y.PNG", "dog/x.jpeg" }.Select(p => Path.Combine(dir.Path, p)), ds.Paths);
        Assert.Equal([0L, 0, 1, 1], ds.Labels);
        Assert.Equal(4, ds.Count);
    }

    [Fact]
    public void Examples_are_decoded_converted_and_owned_by_the_caller()
    {
        using var dir = Tree();
        var rgb = new ImageFolder(dir.Path);
        using var scope = Torch.NewDisposeScope();
        var (image, label) = rgb[3];  // gray.jpg as RGB: the gray plane three times
        using (image)
        {
            Assert.Equal(1, label);
            Assert.Equal(new long[] { 3, 40, 56 }, image.Shape);
            using var gray = Image.Read(Fixture("gray.jpg"));
            Compare.Exact(image, gray.Expand(3, 40, 56).Contiguous(), "gray.jpg as RGB");
        }
        var oneChannel = new ImageFolder(dir.Path, channels: 1);
        using var first = oneChannel[1].Image;
        Compare.Exact(first, Image.Read(Fixture("rgb.png"), 1), "rgb.png as gray");
    }

    [Fact]
    public void A_size_resizes_every_image_so_batches_stack()
    {
        using var dir = Tree();
        var ds = new ImageFolder(dir.Path, height: 16, width: 24);
        using var batch = ds.GetBatch([3, 0, 2]);
        Assert.Equal(new long[] { 3, 3, 16, 24 }, batch.Input.Shape);
        Assert.Equal(ScalarType.UInt8, batch.Input.Dtype);
        Assert.Equal(new long[] { 1, 0, 1 }, batch.Target.ToArray<long>());
        using var scope = Torch.NewDisposeScope();
        var expected = Image.Resize(Image.Read(Fixture("gray.jpg"), 3), 16, 24);
        Compare.Exact(batch.Input.Select(0, 0), expected, "resized gray.jpg in the batch");

        var examples = new[] { ds[0], ds[2] };
        using var collated = ImageFolder.Collate(examples);
        Assert.True(examples.All(e => e.Image.IsDisposed), "Collate disposes the examples it stacks");
        Assert.Equal(new long[] { 2, 3, 16, 24 }, collated.Input.Shape);
        Assert.Equal(new long[] { 0, 1 }, collated.Target.ToArray<long>());
        Compare.Exact(collated.Input.Select(0, 0), batch.Input.Select(0, 1), "collate and GetBatch agree");
    }

    [Fact]
    public void Images_of_different_sizes_without_a_resize_are_refused_by_name()
    {
        using var dir = Tree();
        var ds = new ImageFolder(dir.Path);
        using (var same = ds.GetBatch([0, 1])) Assert.Equal(new long[] { 2, 3, 21, 34 }, same.Input.Shape);
        var e = Assert.Throws<InvalidDataException>(() => ds.GetBatch([0, 3]));
        Assert.Contains($"{ds.Paths[3]} is [3, 40, 56] but {ds.Paths[0]} is [3, 21, 34]: give ImageFolder a height and width", e.Message, StringComparison.Ordinal);
        var examples = new[] { ds[0], ds[3] };
        Assert.Contains("example 1 is [3, 40, 56] but example 0 is [3, 21, 34]",
            Assert.Throws<ArgumentException>(() => ImageFolder.Collate(examples)).Message, StringComparison.Ordinal);
        Assert.True(examples.All(x => x.Image.IsDisposed));
    }

    [Fact]
    public void Unusable_trees_and_files_are_named()
    {
        using var dir = Tree();
        var bad = dir.Write("dog/z.jpg", File.ReadAllBytes(Fixture("rgb.jpg"))[..300]);
        var ds = new ImageFolder(dir.Path, 8, 8);
        var e = Assert.Throws<InvalidDataException>(() => ds[ds.Paths.ToList().IndexOf(bad)]);
        Assert.Equal($"{bad}: JPEG: Premature end of JPEG file", e.Message);

        Directory.CreateDirectory(Path.Combine(dir.Path, "empty"));
        Assert.Contains("holds no .png, .jpg or .jpeg files",
            Assert.Throws<InvalidDataException>(() => new ImageFolder(dir.Path)).Message, StringComparison.Ordinal);
        using var flat = new TempDir();
        File.Copy(Fixture("rgb.png"), flat.File("lonely.png"));
        Assert.Contains("has no class sub-folders", Assert.Throws<InvalidDataException>(() => new ImageFolder(flat.Path)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ImageFolder(flat.Path, height: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolder(flat.Path, channels: 2));
    }
}
