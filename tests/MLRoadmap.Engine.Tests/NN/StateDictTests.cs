using MLRoadmap.Tests.Support;
using MLRoadmap.NN;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.NN;

/// <summary>A model with every kind of nesting, mirroring this PyTorch module (whose key lists the tests hold):
/// <code>
/// class Net(nn.Module):
///     def __init__(self):
///         super().__init__()
///         self.stem = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU())
///         self.layers = nn.ModuleList([nn.TransformerEncoderLayer(4, 2, 8), nn.TransformerEncoderLayer(4, 2, 8)])
///         self.lstm = nn.LSTM(4, 3, bidirectional=True)
///         self.head = nn.Linear(6, 2)
///         self.register_buffer('scale', torch.ones(1))
///         self.register_buffer('cache', torch.zeros(2), persistent=False)
///         self.temperature = nn.Parameter(torch.ones(()))
/// </code></summary>
internal sealed class NestedNet : Module
{
    public NestedNet(long headOut = 2)
    {
        Stem = RegisterModule("stem", new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU()));
        Layers = RegisterModule("layers", new ModuleList<TransformerEncoderLayer>(
            new TransformerEncoderLayer(4, 2, 8), new TransformerEncoderLayer(4, 2, 8)));
        Lstm = RegisterModule("lstm", new LSTM(4, 3, bidirectional: true));
        Head = RegisterModule("head", new Linear(6, headOut));
        RegisterBuffer("scale", Torch.Ones([1]));
        RegisterBuffer("cache", Torch.Zeros([2]), persistent: false);
        RegisterParameter("temperature", new Parameter(Torch.Ones([])));
    }

    public Sequential Stem { get; }
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LSTM Lstm { get; }
    public Linear Head { get; }
}

public class StateDictTests
{
    // PyTorch 1.13's output for the module above.
    internal static readonly string[] PyTorchStateKeys =
    [
        "temperature", "scale", "stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias", "stem.1.running_mean",
        "stem.1.running_var", "stem.1.num_batches_tracked",
        .. Layer(0), .. Layer(1),
        "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "lstm.weight_ih_l0_reverse",
        "lstm.weight_hh_l0_reverse", "lstm.bias_ih_l0_reverse", "lstm.bias_hh_l0_reverse", "head.weight", "head.bias",
    ];

    private static string[] Layer(int i) =>
        new[] { "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                "norm2.weight", "norm2.bias" }.Select(k => $"layers.{i}.{k}").ToArray();

    [Fact]
    public void Keys_are_PyTorch_dotted_names_in_PyTorch_order()
    {
        using var net = new NestedNet();
        using var state = net.StateDict();
        Assert.Equal(PyTorchStateKeys, state.Keys);
        Assert.Equal(PyTorchStateKeys.Where(k => k is not ("scale" or "stem.1.running_mean" or "stem.1.running_var" or "stem.1.num_batches_tracked")),
            net.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "scale", "cache", "stem.1.running_mean", "stem.1.running_var", "stem.1.num_batches_tracked" },
            net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(new[] { "", "stem", "stem.0", "stem.1", "stem.2", "layers", "layers.0", "layers.0.self_attn",
            "layers.0.self_attn.out_proj", "layers.0.linear1", "layers.0.dropout", "layers.0.linear2", "layers.0.norm1",
            "layers.0.norm2", "layers.0.dropout1", "layers.0.dropout2" }, net.NamedModules().Select(m => m.Name).Take(16));
    }

    [Fact]
    public void State_values_are_detached_aliases_of_the_module_tensors()
    {
        using var net = new NestedNet();
        using var state = net.StateDict();
        Assert.False(state["head.weight"].RequiresGrad);
        using (Torch.NoGrad()) net.Head.Weight.Mul_(0);
        Assert.Equal(0, state["head.weight"].Abs().Sum().Item<float>());
        Assert.Equal(ScalarType.Int64, state["stem.1.num_batches_tracked"].Dtype);
    }

    [Fact]
    public void Strict_load_names_missing_unexpected_and_wrong_shaped_keys_and_loads_nothing()
    {
        using var source = new NestedNet(headOut: 5);
        using var target = new NestedNet();
        using var state = source.StateDict();
        state.Remove("lstm.bias_hh_l0");
        state.Add("extra.weight", Torch.Zeros([3]));
        var before = target.Stem[0].NamedParameters().First().Parameter.ToArray<float>();

        var e = Assert.Throws<StateDictMismatchException>(() => target.LoadStateDict(state));
        Assert.Contains("Missing key(s): \"lstm.bias_hh_l0\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("Unexpected key(s): \"extra.weight\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("size mismatch for head.weight: copying a tensor of shape [5, 6] from the state dict, the shape in the current model is [2, 6]", e.Message, StringComparison.Ordinal);
        Assert.Contains("head.bias", e.Message, StringComparison.Ordinal);
        Assert.Equal(["lstm.bias_hh_l0"], e.Result.MissingKeys);
        Assert.Equal(["extra.weight"], e.Result.UnexpectedKeys);
        Assert.Equal(["head.weight", "head.bias"], e.Result.MismatchedKeys.Select(m => m.Key));
        Assert.Equal(new long[] { 2 }, e.Result.MismatchedKeys[1].ExpectedShape);
        Assert.Equal(new long[] { 5 }, e.Result.MismatchedKeys[1].ActualShape);
        // Strict failure is atomic: the matching entries were not copied either.
        Assert.Equal(before, target.Stem[0].NamedParameters().First().Parameter.ToArray<float>());
    }

    [Fact]
    public void Non_strict_load_copies_what_matches_and_reports_the_rest()
    {
        using var source = new NestedNet(headOut: 5);
        using var target = new NestedNet();
        using var state = source.StateDict();
        state.Remove("temperature");
        using (Torch.NoGrad()) Init.Constant_(target.NamedParameters().First(p => p.Name == "temperature").Parameter, 3.0);
        var headBefore = target.Head.Weight.ToArray<float>();
        var result = target.LoadStateDict(state, strict: false);
        Assert.Equal(["temperature"], result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(["head.weight", "head.bias"], result.MismatchedKeys.Select(m => m.Key));
        Assert.False(result.IsExactMatch);
        Assert.True(source.Lstm.NamedParameters().First().Parameter.Equal(target.Lstm.NamedParameters().First().Parameter));
        Assert.True(source.Layers[1].SelfAttn.OutProj.Weight.Equal(target.Layers[1].SelfAttn.OutProj.Weight));
        // What did not match kept its own value.
        Assert.Equal(headBefore, target.Head.Weight.ToArray<float>());
        Assert.Equal(3.0f, target.NamedParameters().First(p => p.Name == "temperature").Parameter.Item<float>());
    }

    [Fact]
    public void Load_copies_in_place_so_parameter_objects_survive()
    {
        using var a = new Linear(3, 2);
        using var b = new Linear(3, 2);
        var weight = b.Weight;
        using (var state = a.StateDict()) b.LoadStateDict(state);
        Assert.Same(weight, b.Weight);
        Assert.True(a.Weight.Equal(b.Weight));
        Assert.True(b.Weight.RequiresGrad);
        Assert.True(b.Weight.IsLeaf);
    }

    [Fact]
    public void Load_converts_dtype_to_the_modules()
    {
        using var a = new Linear(3, 2);
        using var b = new Linear(3, 2);
        using var scope = Torch.NewDisposeScope();
        var map = new Dictionary<string, Tensor> { ["weight"] = a.Weight.To(ScalarType.Float64), ["bias"] = a.Bias!.To(ScalarType.Float64) };
        b.LoadStateDict(map);
        Assert.Equal(ScalarType.Float32, b.Weight.Dtype);
        Assert.True(a.Weight.Equal(b.Weight));
    }

    [Fact]
    public void Round_trip_through_safetensors()
    {
        var path = Path.GetTempFileName();
        try
        {
            using var net = new NestedNet();
            using (var scope = Torch.NewDisposeScope())
            {
                // Move the batch-norm statistics away from their initial values so the buffers are tested too.
                net.Stem.Forward(Torch.Randn([3, 1, 5, 5]));
            }
            net.Save(path, new Dictionary<string, string> { ["note"] = "round trip" });
            using var copy = new NestedNet();
            Assert.True(copy.Load(path).IsExactMatch);
            using var a = net.StateDict();
            using var b = copy.StateDict();
            Assert.Equal(a.Keys, b.Keys);
            foreach (var (key, value) in a)
            {
                Assert.True(value.Dtype == b[key].Dtype, key);
                Assert.True(value.Equal(b[key]), key);
            }
            Assert.Equal(1, b["stem.1.num_batches_tracked"].Item<long>());
            using var file = SafeTensors.Load(path);
            Assert.Equal("round trip", file.Metadata["note"]);
            Assert.DoesNotContain("cache", file.Names); // non-persistent
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Tied_weights_list_once_as_parameters_but_under_both_names_in_the_state()
    {
        using var net = new TiedNet();
        Assert.Equal(["embed.weight"], net.NamedParameters().Select(p => p.Name));
        using var state = net.StateDict();
        Assert.Equal(["embed.weight", "head.weight"], state.Keys);
    }

    private sealed class TiedNet : Module
    {
        public TiedNet()
        {
            var embed = RegisterModule("embed", new Embedding(5, 3));
            var head = RegisterModule("head", new Linear(3, 5, bias: false));
            head.Weight = embed.Weight; // GPT-style weight tying; the head's own weight is disposed
        }
    }
}
