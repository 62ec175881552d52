using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Tensors;

public class CreationTests
{
    [Fact]
    public void Arrays_and_spans_round_trip_for_every_dtype()
    {
        using var scope = Torch.NewDisposeScope();
        RoundTrip(new[] { 1.5f, -2f, float.NaN, float.PositiveInfinity }, ScalarType.Float32);
        RoundTrip(new[] { 1.5, -2e300 }, ScalarType.Float64);
        RoundTrip(new[] { (Half)1.5, (Half)(-65504) }, ScalarType.Float16);
        RoundTrip(new[] { (BFloat16)1.5f, (BFloat16)(-3e38f) }, ScalarType.BFloat16);
        RoundTrip(new sbyte[] { -128, 127 }, ScalarType.Int8);
        RoundTrip(new short[] { short.MinValue, 1 }, ScalarType.Int16);
        RoundTrip(new[] { int.MinValue, int.MaxValue }, ScalarType.Int32);
        RoundTrip(new[] { long.MinValue, long.MaxValue }, ScalarType.Int64);
        RoundTrip(new byte[] { 0, 255 }, ScalarType.UInt8);
        RoundTrip(new[] { true, false }, ScalarType.Bool);
    }

    private static void RoundTrip<T>(T[] values, ScalarType expected) where T : unmanaged
    {
        var t = Torch.Tensor(values);
        Assert.Equal(expected, t.Dtype);
        Assert.Equal(new long[] { values.Length }, t.Shape);
        Assert.Equal(values, t.ToArray<T>());
        var fromSpan = Torch.Tensor((ReadOnlySpan<T>)values.AsSpan(1), [values.Length - 1]);
        Assert.Equal(values[1..], fromSpan.ToArray<T>());
    }

    [Fact]
    public void Rectangular_arrays_keep_their_shape()
    {
        using var scope = Torch.NewDisposeScope();
        var t = Torch.Tensor<float>(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(6f, t[1, 2].Item<float>());
        var cube = Torch.Tensor<long>(new long[2, 3, 4]);
        Assert.Equal(new long[] { 2, 3, 4 }, cube.Shape);
    }

    [Fact]
    public void A_buffer_that_does_not_match_the_shape_is_refused()
    {
        var e = Assert.Throws<TorchArgumentException>(() => Torch.Tensor(new[] { 1f, 2f, 3f }, [2, 2]));
        Assert.Contains("12 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factories_give_pytorchs_values_and_dtypes()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new[] { 0f, 0, 0, 0, 0, 0 }, Torch.Zeros([2, 3]).ToArray<float>());
        Assert.Equal(ScalarType.Int64, Torch.Ones([2], ScalarType.Int64).Dtype);
        Assert.Equal(new[] { 7.5, 7.5 }, Torch.Full([2], 7.5, ScalarType.Float64).ToArray<double>());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Torch.Arange(5).ToArray<long>());
        Assert.Equal(ScalarType.Float32, Torch.Arange(0, 1, 0.25).Dtype);
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f }, Torch.Arange(0, 1, 0.25).ToArray<float>());
        Assert.Equal(new[] { 0f, 0.5f, 1f }, Torch.Linspace(0, 1, 3).ToArray<float>());
        Assert.Equal(new[] { 1f, 0, 0, 0, 1, 0 }, Torch.Eye(2, 3).ToArray<float>());
        Assert.Equal(3.5f, Torch.Scalar(3.5f).Item<float>());
        Assert.Empty(Torch.Scalar(3.5f).Shape);
    }

    [Fact]
    public void Like_factories_copy_shape_dtype_and_device()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Zeros([2, 5], ScalarType.Float64);
        foreach (var t in new[] { Torch.EmptyLike(x), Torch.ZerosLike(x), Torch.OnesLike(x), Torch.FullLike(x, 2),
                                  Torch.RandLike(x), Torch.RandnLike(x) })
        {
            Assert.Equal(x.Shape, t.Shape);
            Assert.Equal(ScalarType.Float64, t.Dtype);
            Assert.Equal(Device.CPU, t.Device);
        }
        var r = Torch.RandintLike(x, 3, 5);
        Assert.True(r.Ge(3).All().Item<bool>() && r.Lt(5).All().Item<bool>());
        Assert.Equal(ScalarType.Int32, Torch.ZerosLike(x, ScalarType.Int32).Dtype);
    }

    [Fact]
    public void Random_factories_respect_their_ranges()
    {
        using var scope = Torch.NewDisposeScope();
        var u = Torch.Rand([1000]);
        Assert.True(u.Min().Item<float>() >= 0 && u.Max().Item<float>() < 1);
        var n = Torch.Randn([10000], ScalarType.Float64);
        Assert.InRange(n.Mean().Item<double>(), -0.05, 0.05);
        Assert.InRange(n.Std().Item<double>(), 0.95, 1.05);
        var p = Torch.Randperm(50).Sort().Values;
        Compare.Exact(p, Torch.Arange(50), "sorted permutation");
    }

    [Fact]
    public void Conversions_between_dtypes_and_to_the_same_device()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 1.7f, -1.7f });
        Assert.Equal(new long[] { 1, -1 }, x.To(ScalarType.Int64).ToArray<long>());
        Assert.Equal(new[] { 1.7f, -1.7f }, x.To(Device.CPU).ToArray<float>());
        var copy = x.To(Device.CPU, copy: true);
        copy.Add_(1);
        Assert.Equal(1.7f, x[0].Item<float>());
        // ToArray converts on the way out.
        Assert.Equal(new[] { 1.7, -1.7 }, x.ToArray<double>().Select(v => Math.Round(v, 5)));
    }

    [NoCudaFact]
    public void Cuda_without_a_gpu_is_a_clear_error_and_auto_falls_back_to_cpu()
    {
        using var scope = Torch.NewDisposeScope();
        Assert.False(Torch.Cuda.IsAvailable);
        Assert.Equal(Device.CPU, Device.Auto);
        Assert.Equal(Device.CPU, Device.Parse("auto"));
        Assert.Equal(Device.CUDA(1), Device.Parse("cuda:1"));
        Assert.Throws<FormatException>(() => Device.Parse("tpu"));
        var e = Assert.ThrowsAny<TorchException>(() => Torch.Zeros([2], device: Device.CUDA(0)));
        Assert.Contains("CUDA", e.Message, StringComparison.OrdinalIgnoreCase);
        // Pinning needs a CUDA build; without one it fails cleanly rather than crashing.
        var pinned = Record.Exception(() => Torch.Zeros([2]).PinMemory());
        Assert.True(pinned is null or TorchException);
    }

    [Fact]
    public void Non_blocking_copy_from_host_memory_gives_the_same_values()
    {
        using var scope = Torch.NewDisposeScope();
        var src = Torch.Arange(0, 10, dtype: ScalarType.Float32);
        var dst = Torch.Empty([10]);
        dst.Copy_(src, nonBlocking: true);
        Compare.Exact(dst, src, "non-blocking copy_");
        Compare.Exact(src.To(Device.CPU, nonBlocking: true), src, "non-blocking To");
    }

    [Fact]
    public void Printing_shows_pytorch_form()
    {
        using var scope = Torch.NewDisposeScope();
        var t = Torch.Tensor(new[] { 1f, 2f });
        Assert.Equal("Tensor([2], float32)", t.ToString());
        Assert.Contains("1", t.ToString(values: true), StringComparison.Ordinal);
        Assert.Contains("CPUFloatType", t.ToString(values: true), StringComparison.Ordinal);
    }
}
