using MLRoadmap.NN;
using MLRoadmap.Optim;

namespace MLRoadmap.Tests.Optim;

/// <summary>Argument checks, and behaviour the fixtures don't cover: skipped parameters, maximize, zero_grad,
/// per-group learning rates, closures, fused availability.</summary>
public class OptimizerBehaviourTests
{
    private static Parameter P(params long[] shape) => new(Torch.Ones(shape));

    public static TheoryData<string, string, Func<Tensor[], Optimizer>> BadArguments() => new()
    {
        { "negative lr", "lr", ps => new Adam(ps, lr: -1e-3) },
        { "NaN lr", "lr", ps => new SGD(ps, lr: double.NaN) },
        { "beta1 = 1", "betas", ps => new Adam(ps, betas: (1.0, 0.999)) },
        { "negative beta2", "betas", ps => new AdamW(ps, betas: (0.9, -0.1)) },
        { "negative eps", "eps", ps => new Adam(ps, eps: -1e-8) },
        { "negative weight decay", "weightDecay", ps => new AdamW(ps, weightDecay: -0.1) },
        { "negative momentum", "momentum", ps => new SGD(ps, lr: 0.1, momentum: -0.9) },
        { "nesterov without momentum", "nesterov", ps => new SGD(ps, lr: 0.1, nesterov: true) },
        { "nesterov with dampening", "nesterov", ps => new SGD(ps, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true) },
        { "negative alpha", "alpha", ps => new RMSprop(ps, alpha: -0.99) },
        { "negative RMSprop momentum", "momentum", ps => new RMSprop(ps, momentum: -1) },
        { "no parameters", "parameters", _ => new Adam(Array.Empty<Tensor>()) },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Invalid_hyperparameters_throw_an_ArgumentException_naming_the_argument(string what, string argument,
        Func<Tensor[], Optimizer> create)
    {
        using var p = P(2);
        var e = Assert.ThrowsAny<ArgumentException>(() => create([p]));
        Assert.True(argument == e.ParamName, $"{what}: ParamName is {e.ParamName}, expected {argument}");
    }

    [Fact]
    public void Group_hyperparameters_are_checked_when_set_and_when_the_group_is_added()
    {
        using var w = P(2);
        using var b = P(3);
        using var opt = new SGD([w], lr: 0.1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => opt.ParamGroups[0].LearningRate = -0.5);
        Assert.Equal("lr", e.ParamName);
        Assert.Equal(0.1, opt.ParamGroups[0].LearningRate);
        Assert.Throws<ArgumentException>(() => opt.ParamGroups[0]["momentum"] = true);
        var nesterov = new SGDGroup([b]) { Nesterov = true };
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => opt.AddParamGroup(nesterov)).ParamName);
        // Names the optimizer does not use (a scheduler's bookkeeping) are kept.
        opt.ParamGroups[0]["initial_lr"] = 0.1;
        Assert.Equal(0.1, opt.ParamGroups[0]["initial_lr"]);
    }

    [Fact]
    public void Parameters_must_be_distinct_floating_point_leaves()
    {
        using var w = P(2);
        using var scope = Torch.NewDisposeScope();
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(() => new Adam([w, w])).Message, StringComparison.Ordinal);
        Assert.Contains("more than one", Assert.Throws<ArgumentException>(
            () => new Adam([new ParamGroup([w]), new ParamGroup([w])])).Message, StringComparison.Ordinal);
        Assert.Contains("not a leaf", Assert.Throws<ArgumentException>(() => new Adam([w * 2])).Message, StringComparison.Ordinal);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(
            () => new Adam([Torch.Zeros([2], ScalarType.Int64)])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_pytorchs_and_groups_inherit_what_they_leave_unset()
    {
        using var w = P(2);
        using var b = P(2);
        using var adamw = new AdamW([new AdamGroup([w]), new AdamGroup([b]) { LearningRate = 0.1, Betas = (0.5, 0.6) }]);
        Assert.Equal(1e-3, adamw.ParamGroups[0].LearningRate);
        Assert.Equal(0.01, adamw.ParamGroups[0]["weight_decay"]);
        Assert.Equal((0.9, 0.999), ((AdamGroup)adamw.ParamGroups[0]).Betas);
        Assert.Equal((0.5, 0.6), ((AdamGroup)adamw.ParamGroups[1]).Betas);
        Assert.Equal(1e-8, ((AdamGroup)adamw.ParamGroups[1]).Eps);
        Assert.Equal(0.1, adamw.ParamGroups[1].LearningRate);
        using var rms = new RMSprop([w, b]);
        Assert.Equal(0.01, rms.ParamGroups[0].LearningRate);
        Assert.Equal(0.99, rms.ParamGroups[0]["alpha"]);
    }

    /// <summary>A loss over two parameters where only `used` takes part.</summary>
    private static void Backward(params Tensor[] used)
    {
        using var scope = Torch.NewDisposeScope();
        var loss = Torch.Scalar(0f);
        foreach (var p in used) loss = loss + p.Sin().Pow(2).Sum();
        loss.Backward();
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam")]
    [InlineData("RMSprop")]
    public void Parameters_without_a_gradient_are_skipped_and_get_state_on_their_first_gradient(string kind)
    {
        // b gets its first gradient at step 3: from then on it must move exactly as with an optimizer of its own
        // started at that step (SGD's first momentum buffer is the gradient itself, Adam's step count starts at 1).
        using var w = P(3);
        using var b = P(2);
        using var alone = P(2);
        Optimizer Make(Tensor[] ps) => kind switch
        {
            "SGD" => new SGD(ps, lr: 0.1, momentum: 0.9, nesterov: true),
            "Adam" => new Adam(ps, lr: 0.1, amsgrad: true),
            _ => new RMSprop(ps, lr: 0.1, momentum: 0.5, centered: true),
        };
        using var both = Make([w, b]);
        using var single = Make([alone]);
        for (var step = 1; step <= 6; step++)
        {
            both.ZeroGrad();
            single.ZeroGrad();
            if (step < 3)
            {
                Backward(w);
                both.Step();
                Assert.Empty(both.GetState(b));
                Assert.All(b.ToArray<float>(), v => Assert.Equal(1f, v));
                continue;
            }
            Backward(w, b);
            Backward(alone);
            both.Step();
            single.Step();
            Assert.Equal(alone.ToBytes(), b.ToBytes());
        }
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    [InlineData("RMSprop")]
    public void Maximize_is_the_same_as_minimizing_the_negated_loss(string kind)
    {
        using var up = P(3);
        using var down = P(3);
        Optimizer Make(Tensor p, bool maximize) => kind switch
        {
            "SGD" => new SGD([p], lr: 0.1, momentum: 0.9, weightDecay: 0.1, maximize: maximize),
            "Adam" => new Adam([p], lr: 0.1, weightDecay: 0.1, maximize: maximize),
            "AdamW" => new AdamW([p], lr: 0.1, maximize: maximize),
            _ => new RMSprop([p], lr: 0.1, weightDecay: 0.1, momentum: 0.5, maximize: maximize),
        };
        using var maximizing = Make(up, true);
        using var minimizing = Make(down, false);
        for (var step = 0; step < 5; step++)
        {
            using var scope = Torch.NewDisposeScope();
            maximizing.ZeroGrad();
            minimizing.ZeroGrad();
            up.Sin().Sum().Backward();
            (-down.Sin().Sum()).Backward();
            maximizing.Step();
            minimizing.Step();
            Assert.Equal(down.ToBytes(), up.ToBytes());
        }
    }

    [Fact]
    public void ZeroGrad_drops_or_zeroes_every_gradient_and_never_touches_the_parameters_values()
    {
        using var w = P(3);
        using var b = P(2);
        using var opt = new SGD([new ParamGroup([w]), new ParamGroup([b])], lr: 0.1);
        Backward(w, b);
        opt.ZeroGrad(setToNone: false);
        using (var scope = Torch.NewDisposeScope())
        {
            Assert.All(w.Grad!.ToArray<float>(), v => Assert.Equal(0f, v));
            Assert.All(b.Grad!.ToArray<float>(), v => Assert.Equal(0f, v));
        }
        opt.ZeroGrad();
        Assert.Null(w.Grad);
        Assert.Null(b.Grad);
        opt.Step();  // nothing has a gradient: nothing moves
        Assert.All(w.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_group_learning_rate_set_between_steps_applies_to_that_group_only()
    {
        using var w = P(2);
        using var b = P(2);
        using var opt = new SGD([new ParamGroup([w]), new ParamGroup([b])], lr: 0.5);
        opt.ParamGroups[1].LearningRate = 0;
        Backward(w, b);
        opt.Step();
        Assert.All(b.ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(w.ToArray<float>(), v => Assert.NotEqual(1f, v));
    }

    [Fact]
    public void Step_with_a_closure_evaluates_the_loss_with_grad_enabled_and_returns_it()
    {
        using var w = P(2);
        using var opt = new Adam([w], lr: 0.1);
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var loss = opt.Step(() =>
        {
            opt.ZeroGrad();
            var l = w.Pow(2).Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(2.0, loss.Item<double>(), 6);
        Assert.All(w.ToArray<float>(), v => Assert.Equal(0.9f, v, 5));
    }

    [Fact]
    public void Fused_is_refused_where_this_libtorch_has_no_fused_kernel()
    {
        using var w = P(2);
        if (Adam.IsFusedAvailable(Device.CPU))
        {
            using var fused = new Adam([w], fused: true);
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => new Adam([w], fused: true));
        Assert.Equal("fused", e.ParamName);
        Assert.Contains(Torch.Version, e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SGD([w], fused: true));
    }

    [Fact]
    public void A_disposed_optimizer_refuses_to_step()
    {
        using var w = P(2);
        var opt = new Adam([w]);
        opt.Dispose();
        Assert.Throws<ObjectDisposedException>(() => opt.Step());
        opt.Dispose();
    }
}
