using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Serialization;

/// <summary>torch.save files (zip and legacy format) read back exactly: every dtype, 0-dim and empty tensors, views
/// sharing storages, nested containers, a torchvision block, checkpoints; compared bit for bit with the same tensors
/// exported to safetensors by make_pth_fixtures.py.</summary>
public class PyTorchPickleTests
{
    public static TheoryData<string> Files() => new(
        "dtypes.pth", "views.pth", "nested.pth", "resnet_block.pth", "checkpoint.pt", "model_key.pth", "legacy.pth", "rebuild_v1.pth");

    [Theory]
    [MemberData(nameof(Files))]
    public void The_whole_object_matches_what_torch_saved(string file)
    {
        using var contents = PyTorchPickle.Load(PthFixtures.Path(file));
        var stem = Path.GetFileNameWithoutExtension(file);
        PthFixtures.AssertStructure(PthFixtures.Meta(stem).GetProperty("structure"), contents.Root, stem);
        Assert.Equal(file == "legacy.pth" ? "legacy" : "zip (version 3)", contents.Format);
    }

    [Theory]
    [InlineData("dtypes.pth")]
    [InlineData("legacy.pth")]
    public void A_stream_is_read_from_its_position(string file)
    {
        byte[] junk = [1, 2, 3, 4, 5, 6, 7];
        using var stream = new MemoryStream([.. junk, .. File.ReadAllBytes(PthFixtures.Path(file))]);
        stream.Position = junk.Length;
        using var contents = PyTorchPickle.Load(stream, "embedded");
        Assert.Equal("embedded", contents.Source);
        var stem = Path.GetFileNameWithoutExtension(file);
        PthFixtures.AssertStructure(PthFixtures.Meta(stem).GetProperty("structure"), contents.Root, stem);
    }

    [Theory]
    [InlineData("views.pth")]
    [InlineData("legacy.pth")]
    public void Views_share_their_storage_and_keep_their_strides(string file)
    {
        using var contents = PyTorchPickle.Load(PthFixtures.Path(file));
        var root = (PickleDict)contents.Root!;
        Tensor T(string key) => (Tensor)root[key]!;
        foreach (var key in new[] { "transposed", "permuted", "expanded", "col", "strided" })
            Assert.False(T(key).IsContiguous, $"{key} should be a strided view, as saved");

        // A write through the base shows through every view of it, as in PyTorch; the int64 storage is apart.
        using var scope = Torch.NewDisposeScope();
        T("base").Mul_(2);
        var expected = PthFixtures.Expected;
        foreach (var key in new[] { "matrix", "transposed", "narrowed", "strided", "expanded", "permuted", "col" })
            Compare.Exact(T(key), expected[$"views/{key}"] * 2, $"{key} after base *= 2");
        Compare.Exact(T("ints_tail"), expected["views/ints_tail"], "ints_tail");
        T("ints").Add_(Torch.Tensor(new long[] { 1 }));
        Compare.Exact(T("ints_tail"), expected["views/ints_tail"] + 1, "ints_tail after ints += 1");
    }

    [Fact]
    public void One_tensor_saved_twice_is_one_tensor()
    {
        using var contents = PyTorchPickle.Load(PthFixtures.Path("nested.pth"));
        var twice = (List<object?>)((PickleDict)contents.Root!)["same_tensor_twice"]!;
        Assert.Same(twice[0], twice[1]);
        Assert.Equal(contents.Tensors.Count, contents.Tensors.Distinct().Count());
    }

    [Fact]
    public void State_dict_metadata_is_kept_as_attributes()
    {
        using var contents = PyTorchPickle.Load(PthFixtures.Path("resnet_block.pth"));
        var root = (PickleDict)contents.Root!;
        var metadata = Assert.IsType<PickleDict>(root.Attributes["_metadata"]);
        Assert.Contains("bn1", metadata.Keys);
    }

    [Theory]
    [InlineData("resnet_block.pth", null)]
    [InlineData("checkpoint.pt", "state_dict")]
    [InlineData("model_key.pth", "model")]
    public void The_state_dict_is_found_in_a_checkpoint(string file, string? under)
    {
        using var state = PyTorchPickle.LoadStateDict(PthFixtures.Path(file));
        var structure = PthFixtures.Meta(Path.GetFileNameWithoutExtension(file)).GetProperty("structure");
        if (under is not null)
            structure = structure.GetProperty("dict").EnumerateArray().Single(p => p[0].GetProperty("str").GetString() == under)[1];
        var expected = structure.GetProperty("dict").EnumerateArray()
            .Select(p => (Name: p[0].GetProperty("str").GetString()!, Key: p[1].GetProperty("tensor").GetString()!)).ToList();
        Assert.True(expected.Count > 4);
        Assert.Equal(expected.Select(e => e.Name), state.Keys);
        foreach (var (name, key) in expected) Compare.Exact(state[name], PthFixtures.Expected[key], key);
    }

    [Fact]
    public void A_prefix_selects_and_strips_names()
    {
        using var state = PyTorchPickle.LoadStateDict(PthFixtures.Path("checkpoint.pt"), prefix: "1.");
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], state.Keys);
        Compare.Exact(state["num_batches_tracked"], PthFixtures.Expected["checkpoint/state_dict/1.num_batches_tracked"], "1.num_batches_tracked");
    }

    [Fact]
    public void A_file_without_a_state_dict_says_what_it_holds()
    {
        var path = PthFixtures.Path("nested.pth");
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.LoadStateDict(path));
        Assert.StartsWith(path + ": no state dict found", e.Message, StringComparison.Ordinal);
        Assert.Contains("'list'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'state_dict'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_entry_that_is_not_a_state_dict_is_passed_over_and_named()
    {
        using var contents = PyTorchPickle.Load(PthFixtures.Path("resnet_block.pth"));
        var weights = (PickleDict)contents.Root!;
        var notWeights = new PickleDict("dict");
        notWeights.Set("lr", 0.1);
        var checkpoint = new PickleDict("dict");
        checkpoint.Set("epoch", 3L);
        checkpoint.Set("state_dict", notWeights);
        checkpoint.Set("model_state_dict", new List<object?>());
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.StateDictOf(checkpoint, "ckpt", null));
        Assert.Equal("ckpt: no state dict found: the top level is a dict with keys ['epoch', 'state_dict', 'model_state_dict'], " +
                     "not all tensors (entry 'epoch' is 3), and 'state_dict' is not a dict of tensors (its entry 'lr' is 0.1); " +
                     "'model_state_dict' is a list of 0", e.Message);

        checkpoint.Set("model", weights);   // the next key holds the weights
        using var state = PyTorchPickle.StateDictOf(checkpoint, "ckpt", null);
        Assert.Equal(weights.Keys.Cast<string>(), state.Keys);
    }

    [Fact]
    public void A_torchvision_block_loads_strictly_and_computes_what_PyTorch_computed()
    {
        using var block = new BasicBlock();
        var result = block.LoadPyTorch(PthFixtures.Path("resnet_block.pth"));
        Assert.True(result.IsExactMatch);
        block.Eval();
        using var scope = Torch.NewDisposeScope();
        var expected = PthFixtures.Expected;
        Compare.Close(block.Forward(expected["resnet_block/input"]), expected["resnet_block/output"], 1e-5, 1e-5, "BasicBlock output");
        Compare.Exact(block.StateDict()["bn1.num_batches_tracked"], expected["resnet_block/bn1.num_batches_tracked"], "num_batches_tracked");
    }

    [Fact]
    public void Safetensors_and_pth_load_through_one_helper_by_content()
    {
        var pth = PthFixtures.Path("resnet_block.pth");
        var dir = Directory.CreateTempSubdirectory("mlr-pth-");
        try
        {
            // The same weights re-saved as safetensors, under a misleading name: the signature decides.
            var safetensors = Path.Combine(dir.FullName, "weights.pth");
            using (var state = PyTorchPickle.LoadStateDict(pth)) state.Save(safetensors);
            Assert.Equal(StateDictFormat.PyTorchZip, StateDictFile.DetectFormat(pth));
            Assert.Equal(StateDictFormat.PyTorchLegacy, StateDictFile.DetectFormat(PthFixtures.Path("legacy.pth")));
            Assert.Equal(StateDictFormat.SafeTensors, StateDictFile.DetectFormat(safetensors));

            using var a = new BasicBlock();
            using var b = new BasicBlock();
            Assert.True(a.LoadFile(pth).IsExactMatch);
            Assert.True(b.LoadFile(safetensors).IsExactMatch);
            using var sa = a.StateDict();
            using var sb = b.StateDict();
            foreach (var (key, t) in sa) Compare.Exact(t, sb[key], key);

            using var bn = StateDictFile.Load(safetensors, prefix: "bn1.");
            Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], bn.Keys);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>torchvision's BasicBlock(4, 8, stride=2) with its 1x1 downsample, under torchvision's names.</summary>
    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d _conv1, _conv2;
        private readonly BatchNorm2d _bn1, _bn2;
        private readonly Sequential _downsample;

        public BasicBlock()
        {
            _conv1 = RegisterModule("conv1", new Conv2d(4, 8, 3, stride: 2, padding: 1, bias: false));
            _bn1 = RegisterModule("bn1", new BatchNorm2d(8));
            _conv2 = RegisterModule("conv2", new Conv2d(8, 8, 3, padding: 1, bias: false));
            _bn2 = RegisterModule("bn2", new BatchNorm2d(8));
            _downsample = RegisterModule("downsample", new Sequential(new Conv2d(4, 8, 1, stride: 2, bias: false), new BatchNorm2d(8)));
        }

        public override Tensor Forward(Tensor x)
        {
            var y = F.Relu(_bn1.Forward(_conv1.Forward(x)));
            y = _bn2.Forward(_conv2.Forward(y));
            return F.Relu(y + _downsample.Forward(x));
        }
    }
}
