using MLRoadmap.Tests.Support;
using MLRoadmap.NN;

namespace MLRoadmap.Tests.NN;

public class ModuleTests
{
    [Fact]
    public void Train_and_Eval_reach_every_descendant()
    {
        using var net = new NestedNet();
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.IsTraining));
        net.Layers[1].Train();
        Assert.True(net.Layers[1].SelfAttn.IsTraining);
        Assert.False(net.Layers[0].SelfAttn.IsTraining);
        Assert.False(net.IsTraining);
    }

    [Fact]
    public void To_dtype_converts_in_place_keeping_parameter_identity_and_integer_buffers()
    {
        using var scope = Torch.NewDisposeScope();
        using var net = new NestedNet();
        var weight = net.Head.Weight;
        var runningMean = net.Stem[1].NamedBuffers().Single(b => b.Name == "running_mean").Buffer;
        net.Head.Forward(Torch.Randn([2, 6])).Sum().Backward();
        var before = weight.ToArray<float>();

        net.To(ScalarType.Float64);

        Assert.Same(weight, net.Head.Weight);
        Assert.Equal(ScalarType.Float64, weight.Dtype);
        Assert.True(weight.RequiresGrad && weight.IsLeaf);
        Assert.Equal(before.Select(v => (double)v), weight.ToArray<double>());
        Assert.Equal(ScalarType.Float64, weight.Grad!.Dtype);
        Assert.Same(runningMean, net.Stem[1].NamedBuffers().Single(b => b.Name == "running_mean").Buffer);
        Assert.Equal(ScalarType.Float64, runningMean.Dtype);
        Assert.Equal(ScalarType.Int64, net.Stem[1].NamedBuffers().Single(b => b.Name == "num_batches_tracked").Buffer.Dtype);
        Assert.All(net.Parameters(), p => Assert.Equal(ScalarType.Float64, p.Dtype));

        // The converted module runs in float64, and gradients land on the same Parameter objects.
        net.Head.ZeroGrad();
        net.Head.Forward(Torch.Randn([2, 6], ScalarType.Float64)).Sum().Backward();
        Assert.Equal(ScalarType.Float64, weight.Grad!.Dtype);
        Assert.Throws<ArgumentException>(() => net.To(Device.CPU, ScalarType.Int32));
    }

    [Fact]
    public void To_channels_last_relays_4D_weights_in_place_and_computes_the_same()
    {
        using var scope = Torch.NewDisposeScope();
        using var net = new Sequential(new Conv2d(3, 8, 3, padding: 1), new BatchNorm2d(8), new ReLU(), new Flatten(), new Linear(8 * 5 * 5, 4));
        var conv = (Conv2d)net[0];
        var weight = conv.Weight;
        var x = Torch.Randn([2, 3, 5, 5]);
        net.Forward(x).Sum().Backward();
        var expected = net.Forward(x);

        net.To(MemoryFormat.ChannelsLast);

        Assert.Same(weight, conv.Weight);
        Assert.True(weight.IsContiguousIn(MemoryFormat.ChannelsLast) && !weight.IsContiguous);
        Assert.True(weight.Grad!.IsContiguousIn(MemoryFormat.ChannelsLast));
        Assert.Equal([8, 3, 3, 3], weight.Shape);
        Assert.True(weight.RequiresGrad && weight.IsLeaf);
        Assert.True(((Linear)net[4]).Weight.IsContiguous);   // 2-D: left as it was
        var nhwc = net.Forward(x.Contiguous(MemoryFormat.ChannelsLast));
        Compare.Close(nhwc, expected, 1e-5, 1e-5, "channels_last forward");

        net.To(MemoryFormat.Contiguous);
        Assert.Same(weight, conv.Weight);
        Assert.True(weight.IsContiguous);
        Assert.Throws<TorchArgumentException>(() => Torch.Randn([2, 3]).Contiguous(MemoryFormat.ChannelsLast));
        Assert.Throws<TorchArgumentException>(() => x.Contiguous(MemoryFormat.ChannelsLast3d));
    }

    [Fact]
    public void Frozen_parameters_get_no_gradients()
    {
        using var scope = Torch.NewDisposeScope();
        using var net = new Sequential(new Linear(4, 5), new ReLU(), new Linear(5, 2));
        net[0].RequiresGrad_(false);
        net.Forward(Torch.Randn([3, 4])).Sum().Backward();
        Assert.All(net[0].Parameters(), p => Assert.Null(p.Grad));
        Assert.All(net[2].Parameters(), p => Assert.NotNull(p.Grad));
        net[0].RequiresGrad_();
        net.Forward(Torch.Randn([3, 4])).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
    }

    [Fact]
    public void ZeroGrad_drops_or_zeroes_gradients()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Linear(3, 2);
        m.Forward(Torch.Randn([4, 3])).Sum().Backward();
        m.ZeroGrad(setToNone: false);
        Assert.All(m.Parameters(), p => Assert.Equal(0, p.Grad!.Abs().Sum().Item<float>()));
        m.ZeroGrad();
        Assert.All(m.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void Dispose_frees_parameters_buffers_and_children()
    {
        var net = new NestedNet();
        var tensors = net.Parameters().Concat(net.Buffers()).ToList();
        net.Dispose();
        Assert.All(tensors, t => Assert.True(t.IsDisposed));
        net.Dispose(); // twice is fine
        Assert.Throws<ObjectDisposedException>(() => net.RegisterBuffer("late", null));
    }

    [Fact]
    public void Replacing_a_registered_parameter_disposes_the_old_one()
    {
        using var m = new Linear(3, 2);
        var old = m.Weight;
        m.Weight = new Parameter(Torch.Zeros([2, 3]));
        Assert.True(old.IsDisposed);
        Assert.False(m.Weight.IsDisposed);
        m.Bias = null;
        using var state = m.StateDict();
        Assert.Equal(["weight"], state.Keys);
    }

    [Fact]
    public void Registration_rejects_bad_and_clashing_names()
    {
        using var scope = Torch.NewDisposeScope();
        using var m = new Linear(3, 2);
        Assert.Throws<ArgumentException>(() => m.RegisterBuffer("a.b", null));
        Assert.Throws<ArgumentException>(() => m.RegisterBuffer("weight", Torch.Zeros([1])));
        Assert.Throws<ArgumentException>(() => m.RegisterModule("bias", new ReLU()));
        Assert.Throws<ArgumentException>(() => m.RegisterParameter("", null));
    }

    [Fact]
    public void Non_persistent_buffers_are_buffers_but_not_state()
    {
        using var net = new NestedNet();
        Assert.Contains("cache", net.NamedBuffers().Select(b => b.Name));
        using var state = net.StateDict();
        Assert.DoesNotContain("cache", state.Keys);
    }

    [Fact]
    public void Containers_name_their_children()
    {
        using var seq = new Sequential([("encoder", (Module<Tensor, Tensor>)new Linear(2, 3)), ("act", new Tanh())]);
        Assert.Equal(["encoder.weight", "encoder.bias"], seq.NamedParameters().Select(p => p.Name));
        using var dict = new ModuleDict(("a", new Linear(1, 1)), ("b", new LayerNorm(4)));
        Assert.Equal(["a.weight", "a.bias", "b.weight", "b.bias"], dict.NamedParameters().Select(p => p.Name));
        Assert.IsType<LayerNorm>(dict["b"]);
        using var list = new ModuleList(new Linear(1, 1), new ReLU(), new Linear(1, 1, bias: false));
        Assert.Equal(["0.weight", "0.bias", "2.weight"], list.NamedParameters().Select(p => p.Name));
        Assert.Equal(3, list.Count);
    }

    [Fact]
    public void ToString_prints_the_tree_as_PyTorch()
    {
        using var seq = new Sequential(new Linear(4, 8), new ReLU(), new Dropout(0.1), new Conv2d(3, 6, 3, stride: 2, padding: 1));
        var text = seq.ToString();
        Assert.Contains("(0): Linear(in_features=4, out_features=8, bias=True)", text, StringComparison.Ordinal);
        Assert.Contains("(2): Dropout(p=0.1, inplace=False)", text, StringComparison.Ordinal);
        Assert.Contains("(3): Conv2d(3, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))", text, StringComparison.Ordinal);
        Assert.StartsWith("Sequential(\n", text, StringComparison.Ordinal);
        using var norms = new Sequential(new BatchNorm2d(4), new LayerNorm(8), new LeakyReLU(), new ELU(alpha: 2));
        var printed = norms.ToString();
        Assert.Contains("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", printed, StringComparison.Ordinal);
        Assert.Contains("LayerNorm((8,), eps=1e-05, elementwise_affine=True)", printed, StringComparison.Ordinal);
        Assert.Contains("LeakyReLU(negative_slope=0.01)", printed, StringComparison.Ordinal);
        Assert.Contains("ELU(alpha=2.0)", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_Sequential_and_Identity_return_a_new_tensor_object_for_the_input()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn([2, 2]);
        using var seq = new Sequential();
        using var id = new Identity();
        var y = seq.Forward(x);
        var z = id.Forward(x);
        Assert.NotSame(x, y);
        Assert.NotSame(x, z);
        y.Dispose();
        z.Dispose();
        Assert.False(x.IsDisposed);
        Assert.True(x.Equal(x.Clone()));
    }

    [Fact]
    public void Inplace_activation_overwrites_its_input_but_returns_its_own_object()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { -1f, 2f, 7f });
        using var relu6 = new ReLU6(inplace: true);
        var y = relu6.Forward(x);
        Assert.NotSame(x, y);
        Assert.Equal(new[] { 0f, 2f, 6f }, x.ToArray<float>());
        y.Dispose();
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void Dropout_zeroes_about_p_and_scales_the_rest_in_training_only()
    {
        using var scope = Torch.NewDisposeScope();
        using var dropout = new Dropout(0.3);
        var x = Torch.Ones([100_000]);
        var y = dropout.Forward(x).ToArray<float>();
        var zeros = y.Count(v => v == 0);
        Assert.InRange(zeros / 100_000.0, 0.29, 0.31);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.7f, v, 1e-6f));
        dropout.Eval();
        Assert.True(dropout.Forward(x).Equal(x));
        using var channels = new Dropout2d(0.5);
        var c = channels.Forward(Torch.Ones([8, 16, 3, 3])).Sum([2, 3]).ToArray<float>();
        Assert.All(c, v => Assert.True(v == 0 || Math.Abs(v - 18) < 1e-5, $"channel sum {v}")); // whole channels
    }

    [Fact]
    public void Embedding_padding_row_starts_at_zero_and_gets_no_gradient()
    {
        using var scope = Torch.NewDisposeScope();
        using var e = new Embedding(6, 3, paddingIdx: -1);
        Assert.Equal(5, e.PaddingIdx);
        Assert.Equal(new float[3], e.Weight.Select(0, 5).ToArray<float>());
        e.Forward(Torch.Tensor(new long[] { 5, 1, 5, 2 })).Sum().Backward();
        Assert.Equal(new float[3], e.Weight.Grad!.Select(0, 5).ToArray<float>());
        Assert.Equal(new[] { 1f, 1f, 1f }, e.Weight.Grad!.Select(0, 1).ToArray<float>());

        using var frozen = Embedding.FromPretrained(Torch.Arange(0, 6, dtype: ScalarType.Float32).Reshape(3, 2));
        Assert.False(frozen.Weight.RequiresGrad);
        Assert.Equal(new[] { 4f, 5f }, frozen.Forward(Torch.Tensor(new long[] { 2 })).ToArray<float>());
    }

    [Fact]
    public void BatchNorm_cumulative_average_and_evaluation_use_running_statistics()
    {
        using var scope = Torch.NewDisposeScope();
        using var bn = new BatchNorm1d(2, momentum: null, affine: false);
        var a = Torch.Tensor(new[] { 1f, 10f, 3f, 30f }, [2, 2]);
        var b = Torch.Tensor(new[] { 5f, 50f, 7f, 70f }, [2, 2]);
        bn.Forward(a);
        bn.Forward(b);
        Assert.Equal(2, bn.NumBatchesTracked!.Item<long>());
        Assert.Equal(new[] { 4f, 40f }, bn.RunningMean!.ToArray<float>()); // mean of the two batch means
        bn.Eval();
        var y = bn.Forward(Torch.Tensor(new[] { 4f, 40f, 5f, 40f }, [2, 2]));
        Assert.Equal(new[] { 0f, 0f, 1 / MathF.Sqrt(2 + 1e-5f), 0f }, y.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(2, bn.NumBatchesTracked!.Item<long>());
    }
}
