using System.Buffers.Binary;
using System.Text;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests;

public class SafeTensorsTests
{
    [Fact]
    public void Round_trips_every_dtype_shape_and_metadata()
    {
        using var scope = Torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = Torch.Arange(0, 12, dtype: ScalarType.Float32).Reshape(3, 4),
            ["f64"] = Torch.Tensor(new[] { 1.5, -2.25 }),
            ["f16"] = Torch.Tensor(new[] { 1.5f, 65504f }).To(ScalarType.Float16),
            ["bf16"] = Torch.Tensor(new[] { 1f / 3, 1e-8f }).To(ScalarType.BFloat16),
            ["i64"] = Torch.Tensor(new[] { long.MinValue, long.MaxValue }),
            ["i32"] = Torch.Tensor(new[] { -7, 7 }),
            ["i16"] = Torch.Tensor(new short[] { -3, 3 }),
            ["i8"] = Torch.Tensor(new sbyte[] { -128, 127 }),
            ["u8"] = Torch.Tensor(new byte[] { 0, 255 }),
            ["bool"] = Torch.Tensor(new[] { true, false, true }),
            ["scalar"] = Torch.Scalar(3.5f),
            ["empty"] = Torch.Zeros([0, 3]),
        };
        var path = Path.GetTempFileName();
        try
        {
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });
            using var loaded = SafeTensors.Load(path);
            Assert.Equal(tensors.Keys, loaded.Names);
            foreach (var (name, t) in tensors)
            {
                Assert.Equal(t.Dtype, loaded[name].Dtype);
                Assert.Equal(t.Shape, loaded[name].Shape);
                Assert.Equal(t.ToBytes(), loaded[name].ToBytes());
            }
            Assert.Equal("ünïcode", loaded.Metadata["note"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Image(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "outside the 8-byte data section")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, "needs 12")]
    [InlineData("{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "unsupported dtype 'Q4'")]
    [InlineData("{\"a\":{\"shape\":[4]}}", 16, "lacks dtype")]
    [InlineData("{not json", 0, "not valid JSON")]
    public void Corrupt_files_get_an_error_that_names_the_problem(string header, int dataBytes, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SafeTensors.Parse(Image(header, dataBytes)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_names_the_file_and_the_header_length()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Image("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16)[..20]);
            var e = Assert.Throws<FormatException>(() => SafeTensors.Load(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("header length", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
