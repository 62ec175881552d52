using MLRoadmap.Tests.Support;
using MLRoadmap.NN;
using MLRoadmap.Optim;

namespace MLRoadmap.Tests.Optim;

/// <summary>Runs alone: <see cref="Torch.LiveTensorCount"/> counts handles of every thread, so tests in other
/// classes must not allocate meanwhile.</summary>
[Collection(SerialTests.Name)]
public class OptimizerMemoryTests
{
    public static TheoryData<string> Optimizers() => new("SGD", "Adam", "AdamW", "RMSprop");

    private static Optimizer Make(string kind, Tensor[] ps) => kind switch
    {
        "SGD" => new SGD([new ParamGroup([ps[0]]), new ParamGroup([ps[1]])], lr: 0.01, momentum: 0.9, nesterov: true),
        "Adam" => new Adam([new ParamGroup([ps[0]]), new ParamGroup([ps[1]])], lr: 1e-3, amsgrad: true),
        "AdamW" => new AdamW([new ParamGroup([ps[0]]), new ParamGroup([ps[1]])], lr: 1e-3),
        _ => new RMSprop([new ParamGroup([ps[0]]), new ParamGroup([ps[1]])], lr: 1e-3, momentum: 0.5, centered: true),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_thousand_steps_in_scopes_keep_the_live_tensor_count_constant_after_the_first(string kind)
    {
        // Tensors other tests never disposed are freed when their finalizers run, which would move the count
        // mid-loop: let that happen first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        var c = OptimFixture.Load("adam");
        var (w, b) = c.InitialParameters();
        using var _w = w;
        using var _b = b;
        var beforeOptimizer = Torch.LiveTensorCount;
        var optimizer = Make(kind, [w, b]);
        long afterFirst = -1;
        for (var step = 0; step < 1000; step++)
        {
            using (var scope = Torch.NewDisposeScope())
            {
                optimizer.ZeroGrad();
                var loss = c.Loss(w, b);
                loss.Backward();
                Utils.ClipGradNorm_([w, b], 1.0);
                optimizer.Step();
                if (step % 100 == 0) { using var sd = optimizer.StateDict(); }
            }
            var live = Torch.LiveTensorCount;
            if (step == 0) afterFirst = live;
            else Assert.True(afterFirst == live, $"{kind}: {live} live tensors after step {step + 1}, {afterFirst} after step 1");
        }
        Assert.True(afterFirst > beforeOptimizer, "the first step creates the optimizer's state");
        optimizer.Dispose();
        Assert.Equal(beforeOptimizer, Torch.LiveTensorCount);
    }
}
