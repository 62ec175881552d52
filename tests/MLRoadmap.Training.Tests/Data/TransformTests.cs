using MLRoadmap.Data;
using MLRoadmap.Data.Transforms;

namespace MLRoadmap.Tests.Data;

public class TransformTests
{
    private static Batch Images(ScalarType dtype, params long[] shape)
    {
        using var scope = Torch.NewDisposeScope();
        var n = shape.Aggregate(1L, (a, b) => a * b);
        return new Batch(Torch.Arange(n, ScalarType.Int64).Remainder_(251).To(dtype).Reshape(shape), Torch.Arange(shape[0], ScalarType.Int64));
    }

    [Fact]
    public void RandomHorizontalFlip_flips_each_image_with_probability_p_per_image()
    {
        using var scope = Torch.NewDisposeScope();
        var original = Torch.Arange(200 * 4, ScalarType.Float32).Reshape(200, 1, 1, 4);
        var flipped = original.Flip(3);
        int Flips(double p, int batch)
        {
            using var b = new Batch(original.Clone());
            new RandomHorizontalFlip(p).Apply(b, new DataRandom(8, 0, batch));
            var n = 0;
            for (var i = 0; i < 200; i++)
            {
                var row = b[0][i].ToArray<float>();
                if (row.SequenceEqual(flipped[i].ToArray<float>())) n++;
                else Assert.Equal(original[i].ToArray<float>(), row);
            }
            return n;
        }
        Assert.Equal(0, Flips(0, 0));
        Assert.Equal(200, Flips(1, 0));
        var half = Enumerable.Range(0, 10).Sum(k => Flips(0.5, k));
        Assert.InRange(half, 1000 - 150, 1000 + 150);                    // 2000 draws: sd 22
        Assert.Equal(Flips(0.5, 3), Flips(0.5, 3));
    }

    [Fact]
    public void RandomErasing_erases_about_p_of_the_images_inside_each_one()
    {
        using var batch = Images(ScalarType.Float32, 400, 2, 10, 12);
        using var scope = Torch.NewDisposeScope();
        var before = batch[0].Clone();
        new RandomErasing(p: 0.5, value: -1).Apply(batch, new DataRandom(4, 1, 2));
        var changed = batch[0].Ne(before);                                 // (B, C, H, W)
        var perImage = changed.Flatten(1).Sum(1, dtype: ScalarType.Int64).ToArray<long>();
        var erased = perImage.Count(c => c > 0);
        Assert.InRange(erased, 200 - 50, 200 + 50);
        // Only erased pixels change, to the value, through every channel.
        Assert.True(batch[0].MaskedSelect(changed).Eq(-1).All().Item<bool>());
        Assert.True(changed[TensorIndex.Colon, 0].Equal(changed[TensorIndex.Colon, 1]));
    }

    [Fact]
    public void Compose_applies_in_order_drawing_from_one_stream()
    {
        using var a = Images(ScalarType.UInt8, 6, 3, 8, 8);
        using var b = Images(ScalarType.UInt8, 6, 3, 8, 8);
        var toFloat = new ToFloat(1.0 / 255);
        var crop = new RandomCrop(6, padding: 1);
        var flip = new RandomHorizontalFlip();
        new Compose(toFloat, crop, flip).Apply(a, new DataRandom(1, 2, 3));
        var random = new DataRandom(1, 2, 3);
        toFloat.Apply(b, random);
        crop.Apply(b, random);
        flip.Apply(b, random);
        Assert.Equal(b[0].ToBytes(), a[0].ToBytes());
        Assert.Equal(new long[] { 6, 3, 6, 6 }, a[0].Shape);
        Assert.Equal(ScalarType.Float32, a[0].Dtype);
        Assert.Equal(b[1].ToArray<long>(), a[1].ToArray<long>());           // other tensors are left alone
    }

    [Fact]
    public void RandomSequenceCrop_cuts_one_window_per_row_from_every_tensor_at_offsets_drawn_from_the_batch_stream()
    {
        // Rows of 10 steps; tensor 0 holds step numbers offset by 100 × row, tensor 1 the same + 1, tensor 2 (B, L, 2)
        // features: the same window must come out of all three.
        const int B = 5, L = 10, T = 4;
        using var batch = new Batch(
            Torch.Tensor([.. Enumerable.Range(0, B * L).Select(i => (long)(100 * (i / L) + i % L))], [B, L]),
            Torch.Tensor([.. Enumerable.Range(0, B * L).Select(i => (long)(100 * (i / L) + i % L + 1))], [B, L]),
            Torch.Tensor([.. Enumerable.Range(0, B * L * 2).Select(i => (float)(i / 2 % L) + (i % 2) / 2f)], [B, L, 2]));
        new RandomSequenceCrop(T).Apply(batch, new DataRandom(4, 1, 7));
        var draws = new DataRandom(4, 1, 7);
        var input = batch[0].ToArray<long>();
        var target = batch[1].ToArray<long>();
        var features = batch[2].ToArray<float>();
        Assert.Equal([B, (long)T], batch[0].Shape);
        Assert.Equal([B, (long)T, 2], batch[2].Shape);
        for (var b = 0; b < B; b++)
        {
            var o = draws.NextInt(L - T + 1);
            for (var j = 0; j < T; j++)
            {
                Assert.Equal(100 * b + o + j, input[b * T + j]);
                Assert.Equal(100 * b + o + j + 1, target[b * T + j]);
                Assert.Equal(o + j, features[(b * T + j) * 2]);
                Assert.Equal(o + j + 0.5f, features[(b * T + j) * 2 + 1]);
            }
        }

        string Message(Batch x) => Assert.Throws<ArgumentException>(() => new RandomSequenceCrop(T).Apply(x, new DataRandom(0, 0, 0))).Message;
        using (var flat = new Batch(Torch.Zeros([3], ScalarType.Int64)))
            Assert.Contains("RandomSequenceCrop works on sequences (B, L, ...), but the batch's tensor 0 has shape [3]", Message(flat), StringComparison.Ordinal);
        using (var ragged = new Batch(Torch.Zeros([3, 8], ScalarType.Int64), Torch.Zeros([3, 7], ScalarType.Int64)))
            Assert.Contains("the batch's tensor 1 is 7 steps long and tensor 0 is 8", Message(ragged), StringComparison.Ordinal);
        using (var shorter = new Batch(Torch.Zeros([3, 3], ScalarType.Int64)))
            Assert.Contains("RandomSequenceCrop of 4 steps is longer than the batch's sequences (3 steps)", Message(shorter), StringComparison.Ordinal);
    }

    [Fact]
    public void Transforms_name_what_is_wrong_with_their_input()
    {
        using var flat = Images(ScalarType.Float32, 4, 3, 8);
        using var bytes = Images(ScalarType.UInt8, 4, 3, 8, 8);
        using var floats = Images(ScalarType.Float32, 4, 3, 8, 8);
        var random = new DataRandom(0, 0, 0);
        string Message(Action act) => Assert.ThrowsAny<ArgumentException>(act).Message;
        string Refused(Func<object> make) => Assert.ThrowsAny<ArgumentException>(make).Message;

        Assert.Contains("Normalize works on images (B, C, H, W), but the batch's tensor 0 has shape [4, 3, 8]",
            Message(() => new Normalize([0.5], [0.5]).Apply(flat, random)), StringComparison.Ordinal);
        Assert.Contains("Normalize needs floating-point images, but the batch's tensor 0 is uint8",
            Message(() => new Normalize([0.5], [0.5]).Apply(bytes, random)), StringComparison.Ordinal);
        Assert.Contains("Normalize has 2 means and standard deviations, but the images have 3 channels",
            Message(() => new Normalize([0.5, 0.5], [0.2, 0.2]).Apply(floats, random)), StringComparison.Ordinal);
        Assert.Contains("standard deviation 1 is 0", Refused(() => new Normalize([0.5, 0.5], [0.2, 0])), StringComparison.Ordinal);
        Assert.Contains("2 means but 1 standard deviations", Refused(() => new Normalize([0.5, 0.5], [0.2])), StringComparison.Ordinal);
        Assert.Contains("ToFloat converts integer images, but the batch's tensor 0 is float32 (already converted?)",
            Message(() => new ToFloat(1.0 / 255).Apply(floats, random)), StringComparison.Ordinal);
        Assert.Contains("RandomCrop of 13 × 13 is larger than the padded images (12 × 12: 8 × 8 with padding 2)",
            Message(() => new RandomCrop(13, 2).Apply(floats, random)), StringComparison.Ordinal);
        Assert.Contains("RandomCrop works on images", Message(() => new RandomCrop(4).Apply(flat, random)), StringComparison.Ordinal);
        Assert.Contains("RandomHorizontalFlip works on images", Message(() => new RandomHorizontalFlip().Apply(flat, random)), StringComparison.Ordinal);
        Assert.Contains("RandomErasing works on images", Message(() => new RandomErasing().Apply(flat, random)), StringComparison.Ordinal);
        Assert.Contains("0 ≤ min ≤ max ≤ 1", Refused(() => new RandomErasing(scale: (0.5, 0.2))), StringComparison.Ordinal);
        Assert.Contains("0 < min ≤ max", Refused(() => new RandomErasing(ratio: (0, 2))), StringComparison.Ordinal);
        Assert.Contains("a probability must be in [0, 1], got 1.5", Refused(() => new RandomHorizontalFlip(1.5)), StringComparison.Ordinal);
        Assert.Contains("3 top offsets for a batch of 4 images",
            Message(() => RandomCrop.PadAndCrop(floats[0], 4, 0, 0, [0, 0, 0], [0, 0, 0, 0])), StringComparison.Ordinal);
        Assert.Contains("image 1's window at (5, 0) is outside 0..4",
            Message(() => RandomCrop.PadAndCrop(floats[0], 4, 0, 0, [0, 5, 0, 0], [0, 0, 0, 0])), StringComparison.Ordinal);
        Assert.Contains("region 0 (EraseRegion { Top = 7, Left = 0, Height = 2, Width = 2, IsEmpty = False }) is not inside the 8 × 8 image",
            Message(() => RandomErasing.Erase(floats[0], [new(7, 0, 2, 2), default, default, default], 0)), StringComparison.Ordinal);
    }
}
