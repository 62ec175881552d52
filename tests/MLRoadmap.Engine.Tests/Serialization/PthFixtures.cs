using System.Globalization;
using System.Numerics;
using System.Text.Json;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Serialization;

/// <summary>The files of tests/fixtures/torch/pth (make_pth_fixtures.py) and the tagged structure of each, as
/// PyTorch saved it, to compare what our reader returns with.</summary>
internal static class PthFixtures
{
    public const string ExpectedFile = "pth/expected.safetensors";

    public static string Path(string fileName) => System.IO.Path.Combine(Repo.Fixtures, "torch", "pth", fileName);

    public static SafeTensors.Contents Expected => TorchFixtures.Open(ExpectedFile);

    public static JsonElement Meta(string stem) => TorchFixtures.Meta(ExpectedFile, stem);

    /// <summary>Asserts that <paramref name="actual"/> is the object the tagged JSON describes; tensors bit for bit.</summary>
    public static void AssertStructure(JsonElement expected, object? actual, string where)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.True(actual is null, $"{where}: expected None, got {actual}");
                return;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.True(actual is bool b && b == expected.GetBoolean(), $"{where}: expected {expected.GetBoolean()}, got {actual}");
                return;
        }
        var tag = expected.EnumerateObject().First(p => p.Name != "type");
        var v = tag.Value;
        switch (tag.Name)
        {
            case "tensor":
                var t = Assert.IsAssignableFrom<Tensor>(actual);
                Compare.Exact(t, Expected[v.GetString()!], where);
                break;
            case "int":
                var n = BigInteger.Parse(v.GetString()!, CultureInfo.InvariantCulture);
                if (n >= long.MinValue && n <= long.MaxValue) Assert.Equal((long)n, Assert.IsType<long>(actual));
                else Assert.Equal(n, Assert.IsType<BigInteger>(actual));
                break;
            case "float":
                var bits = BitConverter.ToInt64(Convert.FromHexString(v.GetString()!));
                Assert.Equal(bits, BitConverter.DoubleToInt64Bits(Assert.IsType<double>(actual)));
                break;
            case "str":
                Assert.Equal(v.GetString(), Assert.IsType<string>(actual));
                break;
            case "bytes":
                Assert.Equal(Convert.FromHexString(v.GetString()!), Assert.IsType<byte[]>(actual));
                break;
            case "dtype":
                Assert.Equal(ScalarTypeExtensions.Parse(v.GetString()!), Assert.IsType<ScalarType>(actual));
                break;
            case "device":
                Assert.Equal(v.GetString(), Assert.IsType<string>(actual));
                break;
            case "tuple" or "list":
                IReadOnlyList<object?> items = tag.Name == "tuple" ? Assert.IsType<object?[]>(actual) : Assert.IsType<List<object?>>(actual);
                Assert.True(items.Count == v.GetArrayLength(), $"{where}: {items.Count} items, expected {v.GetArrayLength()}");
                var i = 0;
                foreach (var e in v.EnumerateArray()) AssertStructure(e, items[i], $"{where}/{i++}");
                break;
            case "set":
                var set = Assert.IsType<HashSet<object?>>(actual);
                Assert.Equal(v.GetArrayLength(), set.Count);
                foreach (var e in v.EnumerateArray()) Assert.Contains(ToKey(e), set);
                break;
            case "dict":
                var dict = Assert.IsType<PickleDict>(actual);
                var type = expected.GetProperty("type").GetString();
                Assert.Equal(type == "OrderedDict" ? "collections.OrderedDict" : "dict", dict.TypeName);
                var pairs = v.EnumerateArray().ToList();
                Assert.Equal(pairs.Select(p => ToKey(p[0])), dict.Keys);
                foreach (var p in pairs) AssertStructure(p[1], dict[ToKey(p[0])], $"{where}/{ToKey(p[0])}");
                break;
            default:
                Assert.Fail($"{where}: unknown tag {tag.Name}");
                break;
        }
    }

    /// <summary>A dict key or set member in the .NET form the reader gives it.</summary>
    public static object ToKey(JsonElement tagged)
    {
        var tag = tagged.EnumerateObject().First();
        return tag.Name switch
        {
            "str" => tag.Value.GetString()!,
            "int" => long.Parse(tag.Value.GetString()!, CultureInfo.InvariantCulture),
            _ => throw new NotSupportedException($"key tag {tag.Name}"),
        };
    }
}
