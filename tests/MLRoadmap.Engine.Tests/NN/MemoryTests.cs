using MLRoadmap.Tests.Support;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// No layer leaks native tensors: a forward and backward inside a dispose scope leaves the live-tensor count where
/// it was once the scope closes; a forward without any scope creates only the outputs it returns (every
/// intermediate is freed inside Forward); and disposing a module frees all it owns. The count is process-wide,
/// hence the serial collection.
/// </summary>
[Collection(SerialTests.Name)]
public class MemoryTests
{
    /// <summary>A layer, an input for it, and how to run it (returning every output).</summary>
    internal sealed record LayerCase(string Name, Func<Module> Build, Func<Tensor> Input, Func<Module, Tensor, Tensor[]> Run)
    {
        public override string ToString() => Name;
    }

    /// <summary>The live count with nothing pending in the finalizer queue, so a tensor some earlier test forgot
    /// cannot be freed in the middle of a measurement.</summary>
    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    private static Tensor[] One(Module m, Tensor x) => [((Module<Tensor, Tensor>)m).Forward(x)];

    private static readonly LayerCase[] All =
    [
        new("Linear", () => new Linear(4, 3), () => Torch.Randn([2, 4]), One),
        new("Sequential", () => new Sequential(new Linear(4, 8), new GELU(), new Dropout(0.2), new Linear(8, 3)), () => Torch.Randn([2, 4]), One),
        new("Conv2d reflect", () => new Conv2d(2, 3, 3, padding: 1, paddingMode: PaddingMode.Reflect), () => Torch.Randn([1, 2, 5, 5]), One),
        new("ConvTranspose2d", () => new ConvTranspose2d(2, 3, 3, stride: 2), () => Torch.Randn([1, 2, 4, 4]), One),
        new("BatchNorm2d", () => new BatchNorm2d(2, momentum: null), () => Torch.Randn([3, 2, 2, 2]), One),
        new("LayerNorm", () => new LayerNorm(4), () => Torch.Randn([2, 4]), One),
        new("GroupNorm", () => new GroupNorm(2, 4), () => Torch.Randn([2, 4, 3]), One),
        new("Embedding", () => new Embedding(5, 3, paddingIdx: 0), () => Torch.Tensor(new long[] { 0, 3, 4 }), One),
        new("MaxPool2d", () => new MaxPool2d(2), () => Torch.Randn([1, 2, 4, 4]), One),
        new("AvgPool2d", () => new AvgPool2d(3, 2, 1), () => Torch.Randn([1, 2, 5, 5]), One),
        new("AdaptiveAvgPool2d", () => new AdaptiveAvgPool2d(1), () => Torch.Randn([1, 2, 5, 5]), One),
        new("PReLU", () => new PReLU(2), () => Torch.Randn([3, 2]), One),
        new("ReLU inplace in Sequential", () => new Sequential(new Linear(2, 2), new ReLU(inplace: true)), () => Torch.Randn([3, 2]), One),
        new("LSTM", () => new LSTM(3, 4, numLayers: 2, bidirectional: true), () => Torch.Randn([5, 2, 3]),
            (m, x) => { var (o, h, c) = ((LSTM)m).Forward(x); return [o, h, c]; }),
        new("LSTM unbatched", () => new LSTM(3, 4), () => Torch.Randn([5, 3]),
            (m, x) => { var (o, h, c) = ((LSTM)m).Forward(x); return [o, h, c]; }),
        new("GRU", () => new GRU(3, 4, batchFirst: true), () => Torch.Randn([2, 5, 3]),
            (m, x) => { var (o, h) = ((GRU)m).Forward(x); return [o, h]; }),
        new("MultiheadAttention", () => new MultiheadAttention(8, 2, addBiasKV: true, addZeroAttn: true, batchFirst: true),
            () => Torch.Randn([2, 3, 8]), (m, x) => { var (o, w) = ((MultiheadAttention)m).Forward(x, x, x); return [o, w!]; }),
        new("TransformerEncoderLayer", () => new TransformerEncoderLayer(8, 2, 16, batchFirst: true), () => Torch.Randn([2, 3, 8]), One),
        new("TransformerDecoderLayer", () => new TransformerDecoderLayer(8, 2, 16, normFirst: true), () => Torch.Randn([3, 2, 8]),
            (m, x) => [((TransformerDecoderLayer)m).Forward(x, x)]),
        new("CrossEntropyLoss", () => new CrossEntropyLoss(Torch.Ones([3]), labelSmoothing: 0.1), () => Torch.Randn([4, 3]),
            (m, x) =>
            {
                using var target = Torch.Tensor(new long[] { 0, 2, 1, 2 }).DetachFromDisposeScope();
                return [((Loss)m).Forward(x, target)];
            }),
    ];

    public static TheoryData<string> Cases => new(All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_in_a_scope_leave_nothing_behind(string name)
    {
        var c = All.Single(c => c.Name == name);
        using var module = c.Build();
        var baseline = Baseline();
        using (var scope = Torch.NewDisposeScope())
        {
            var x = c.Input();
            if (x.Dtype.IsFloatingPoint()) x.RequiresGrad = true;
            var outputs = c.Run(module, x);
            var total = outputs.Where(o => o.Dtype.IsFloatingPoint()).Select(o => o.Sum()).Aggregate((a, b) => a + b);
            total.Backward();
        }
        module.ZeroGrad();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_without_a_scope_creates_only_its_outputs(string name)
    {
        var c = All.Single(c => c.Name == name);
        using var module = c.Build();
        using var x = c.Input().DetachFromDisposeScope();
        var baseline = Baseline();
        var outputs = c.Run(module, x);
        Assert.Equal(baseline + outputs.Length, Torch.LiveTensorCount);
        foreach (var o in outputs)
        {
            Assert.Null(o.Scope);
            o.Dispose();
        }
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Fact]
    public void Disposing_a_module_frees_everything_it_owns()
    {
        using var weight = Torch.Ones([2]).DetachFromDisposeScope();
        var baseline = Baseline();
        var net = new NestedNet();
        var loss = new BCEWithLogitsLoss(weight); // keeps its own copy: the caller's weight stays the caller's
        Assert.True(Torch.LiveTensorCount > baseline);
        net.Dispose();
        loss.Dispose();
        Assert.Equal(baseline, Torch.LiveTensorCount);
        Assert.False(weight.IsDisposed);
    }

    [Fact]
    public void StateDict_aliases_are_freed_with_the_dict()
    {
        using var net = new NestedNet();
        var baseline = Baseline();
        using (var state = net.StateDict()) Assert.Equal(baseline + state.Count, Torch.LiveTensorCount);
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Fact]
    public void Functional_ops_in_a_training_step_loop_do_not_accumulate()
    {
        using var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        var baseline = Baseline();
        for (var step = 0; step < 5; step++)
        {
            using var scope = Torch.NewDisposeScope();
            var loss = F.CrossEntropy(model.Forward(Torch.Randn([6, 4])), Torch.Tensor(new long[] { 0, 1, 2, 0, 1, 2 }));
            loss.Backward();
            model.ZeroGrad();
        }
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }
}
