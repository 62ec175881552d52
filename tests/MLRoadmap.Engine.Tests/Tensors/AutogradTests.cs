using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Tensors;

public class AutogradTests
{
    [Fact]
    public void Backward_fills_leaf_gradients()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 1f, -2f, 3f }, requiresGrad: true);
        var y = (x * x * 3 + x).Sum();
        y.Backward();
        Assert.Equal(new[] { 7f, -11f, 19f }, x.Grad!.ToArray<float>());
        Assert.True(x.IsLeaf);
        Assert.False(y.IsLeaf);
        Assert.Equal("SumBackward0", y.GradFnName);
    }

    [Fact]
    public void Gradients_accumulate_and_can_be_cleared()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 2f }, requiresGrad: true);
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(8f, x.Grad!.Item<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
    }

    [Fact]
    public void A_second_backward_needs_retain_graph()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 2f }, requiresGrad: true);
        var y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        var once = (float)((1 + 2) * Math.Exp(2));
        Assert.Equal(2 * once, x.Grad!.Item<float>(), 3);
        var z = (x.Exp() * x).Sum();
        z.Backward();
        var e = Assert.Throws<TorchException>(() => z.Backward());
        Assert.Contains("second time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_scalar_backward_takes_an_upstream_gradient()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 1f, 2f }, requiresGrad: true);
        var y = x * 3;
        Assert.Throws<TorchException>(() => y.Backward());
        y.Backward(Torch.Tensor(new[] { 1f, 10f }));
        Assert.Equal(new[] { 3f, 30f }, x.Grad!.ToArray<float>());
    }

    [Fact]
    public void NoGrad_and_EnableGrad_nest_and_restore()
    {
        using var scope = Torch.NewDisposeScope();
        var w = Torch.Ones([2], requiresGrad: true);
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False((w * 2).RequiresGrad);
            using (Torch.EnableGrad()) Assert.True((w * 2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.True((w * 2).RequiresGrad);
    }

    [Fact]
    public void Detach_cuts_the_graph_but_shares_data()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Ones([3], requiresGrad: true);
        var d = (x * 2).Detach();
        Assert.False(d.RequiresGrad);
        var v = x.Detach();
        using (Torch.NoGrad()) x.Add_(1);
        Assert.Equal(2f, v[0].Item<float>()); // shares storage with x
    }

    [Fact]
    public void Non_leaf_gradients_need_retain_grad()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Ones([2], requiresGrad: true);
        var h = (x * 3).RetainGrad();
        var g = x * 3;
        (h.Sum() + g.Sum()).Backward();
        Assert.Equal(new[] { 1f, 1f }, h.Grad!.ToArray<float>());
        Assert.Null(g.Grad);
    }

    [Fact]
    public void Autograd_grad_returns_gradients_and_supports_double_backward()
    {
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Tensor(new[] { 3.0 }, requiresGrad: true);
        var y = (x * x * x).Sum();
        var dy = Torch.Grad([y], [x], createGraph: true)[0]!;
        Assert.Equal(27.0, dy.Item<double>(), 10);
        var d2y = Torch.Grad([dy.Sum()], [x])[0]!;
        Assert.Equal(18.0, d2y.Item<double>(), 10);
        Assert.Null(x.Grad); // autograd.grad does not accumulate

        var unused = Torch.Ones([1], requiresGrad: true);
        var r = Torch.Grad([(x * 2).Sum()], [x, unused], allowUnused: true);
        Assert.Null(r[1]);
        Assert.Throws<TorchException>(() => Torch.Grad([(x * 2).Sum()], [x, unused]));
    }

    [Fact]
    public void Finite_differences_agree_with_autograd_for_composite_ops()
    {
        using var scope = Torch.NewDisposeScope();
        Tensor F(Tensor x) => (x.Sin() * x.Exp() + x.Pow(3).Softmax(0) - x.Tanh().Log1p()).Sum();
        var x0 = Torch.Tensor(new[] { 0.3, -0.7, 1.1, 0.05 }, requiresGrad: true);
        F(x0).Backward();
        var analytic = x0.Grad!.ToArray<double>();
        const double h = 1e-6;
        for (var i = 0; i < 4; i++)
        {
            using var inner = Torch.NewDisposeScope();
            var plus = x0.Detach().Clone();
            plus[i] = plus[i] + h;
            var minus = x0.Detach().Clone();
            minus[i] = minus[i] - h;
            var numeric = (F(plus).Item<double>() - F(minus).Item<double>()) / (2 * h);
            Assert.Equal(numeric, analytic[i], 6);
        }
    }

    [Fact]
    public void Autocast_bf16_on_cpu_runs_matmul_in_bfloat16_and_restores_state()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.Randn([4, 8]);
        var b = Torch.Randn([8, 3]);
        Assert.False(Autocast.Get(DeviceType.CPU).Enabled);
        using (Autocast.Enable(DeviceType.CPU, ScalarType.BFloat16))
        {
            Assert.Equal((true, ScalarType.BFloat16), Autocast.Get(DeviceType.CPU));
            var c = a.Mm(b);
            Assert.Equal(ScalarType.BFloat16, c.Dtype);
            Compare.Close(c.To(ScalarType.Float32), a.Mm(b).To(ScalarType.Float32), 0, 0, "autocast matmul");
        }
        Assert.False(Autocast.Get(DeviceType.CPU).Enabled);
        Assert.Equal(ScalarType.Float32, a.Mm(b).Dtype);
        Assert.Throws<TorchArgumentException>(() => Autocast.Enable(DeviceType.CPU, ScalarType.Float64));
    }

    [Fact]
    public void Scaler_kernels_unscale_detect_infinities_and_adapt_the_scale()
    {
        using var scope = Torch.NewDisposeScope();
        var g1 = Torch.Tensor(new[] { 4f, 8f });
        var g2 = Torch.Tensor(new[] { 2f });
        var found = Torch.Zeros([1]);
        Autocast.UnscaleGrads([g1, g2], found, Torch.Full([1], 0.5));
        Assert.Equal(new[] { 2f, 4f }, g1.ToArray<float>());
        Assert.Equal(0f, found.Item<float>());
        var bad = Torch.Tensor(new[] { float.PositiveInfinity });
        Autocast.UnscaleGrads([bad], found, Torch.Full([1], 0.5));
        Assert.Equal(1f, found.Item<float>());

        var scale = Torch.Full([1], 1024f);
        var tracker = Torch.Zeros([1], ScalarType.Int32);
        Autocast.UpdateScale(scale, tracker, found, 2.0, 0.5, 2);
        Assert.Equal(512f, scale.Item<float>());
        found.Zero_();
        Autocast.UpdateScale(scale, tracker, found, 2.0, 0.5, 2);
        Assert.Equal(512f, scale.Item<float>());
        Autocast.UpdateScale(scale, tracker, found, 2.0, 0.5, 2);
        Assert.Equal(1024f, scale.Item<float>());
    }
}
