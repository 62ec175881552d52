using System.Globalization;
using System.Text.Json;
using MLRoadmap.Optim;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.Optim;

/// <summary>Every case of optim.safetensors, rebuilt with engine ops: the parameters after each of the 20 steps,
/// the loss before each, the final state, and the groups' hyperparameters against PyTorch's.</summary>
public class OptimizerFixtureTests(ITestOutputHelper output)
{
    /// <summary>The largest deviations of one case: parameters over all steps, losses, final state.</summary>
    internal sealed record Deviation(string Case, string Optimizer, double Params, double Loss, double State);

    [Theory]
    [MemberData(nameof(OptimFixture.Cases), MemberType = typeof(OptimFixture))]
    public void Trajectory_matches_pytorch(string name)
    {
        var d = Run(OptimFixture.Load(name));
        output.WriteLine($"{d.Case}: params {d.Params:g3}, loss {d.Loss:g3}, state {d.State:g3}");
    }

    /// <summary>Runs a case, asserting every comparison, and returns its largest deviations.</summary>
    internal static Deviation Run(OptimFixture.Case c)
    {
        var fx = OptimFixture.File;
        var (atol, rtol) = OptimFixture.Tolerance(c.Dtype);
        var (w, b) = c.InitialParameters();
        using var _w = w;
        using var _b = b;
        using var optimizer = c.CreateOptimizer(w, b);
        Assert.Equal(c.Optimizer, optimizer.Name);
        CheckHyperparameters(c, optimizer);

        double maxParams = 0, maxLoss = 0;
        using (var scope = Torch.NewDisposeScope())
        {
            var losses = fx[$"{c.Name}/loss"].ToArray<double>();
            for (var k = 1; k <= c.Steps; k++)
            {
                var loss = c.TrainStep(optimizer, w, b);
                var lossDeviation = Math.Abs(loss - losses[k - 1]);
                Assert.True(lossDeviation <= atol + rtol * Math.Abs(losses[k - 1]),
                    $"{c.Name}: loss before step {k} is {loss}, PyTorch {losses[k - 1]}");
                maxLoss = Math.Max(maxLoss, lossDeviation);
                foreach (var (p, key) in new[] { (w, "w"), (b, "b") })
                {
                    var (excess, maxAbs) = OptimFixture.Compare(p, fx[$"{c.Name}/step{k}/{key}"], atol, rtol);
                    Assert.True(excess <= 0, $"{c.Name}: {key} after step {k} is off by {maxAbs:g3}");
                    maxParams = Math.Max(maxParams, maxAbs);
                }
            }
            // Not vacuous: the parameters did move away from where they started.
            Assert.True(OptimFixture.Compare(w, fx["problem/init/w"].To(c.Dtype), 0, 0).Excess > 1e-4, $"{c.Name}: w never moved");
        }
        return new Deviation(c.Name, c.Optimizer, maxParams, maxLoss, CheckFinalState(c, optimizer, w, b));
    }

    /// <summary>The state PyTorch had after the last step, name for name (step counts as float32 20).</summary>
    private static double CheckFinalState(OptimFixture.Case c, Optimizer optimizer, Tensor w, Tensor b)
    {
        var (atol, rtol) = OptimFixture.Tolerance(c.Dtype);
        var stateKeys = c.Meta.GetProperty("state_keys");
        double max = 0;
        foreach (var (p, key) in new[] { (w, "w"), (b, "b") })
        {
            var expected = stateKeys.GetProperty(key).EnumerateArray().Select(e => e.GetString()!).ToList();
            var state = optimizer.GetState(p);
            Assert.Equal(expected.Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
            foreach (var name in expected)
            {
                var (excess, maxAbs) = OptimFixture.Compare(state[name], OptimFixture.File[$"{c.Name}/state/{key}/{name}"], atol, rtol);
                Assert.True(excess <= 0, $"{c.Name}: state {key}.{name} is off by {maxAbs:g3}");
                max = Math.Max(max, maxAbs);
            }
        }
        return max;
    }

    /// <summary>Our groups' hyperparameters equal PyTorch's param_groups (so our defaults are PyTorch's), apart
    /// from the flags we don't have (foreach, capturable, differentiable) and our own fused flag.</summary>
    private static void CheckHyperparameters(OptimFixture.Case c, Optimizer optimizer)
    {
        string[] notOurs = ["params", "foreach", "capturable", "differentiable", "fused"];
        var groups = c.Meta.GetProperty("groups");
        for (var g = 0; g < 2; g++)
        {
            var ours = optimizer.ParamGroups[g];
            foreach (var property in groups[g].EnumerateObject())
            {
                if (notOurs.Contains(property.Name)) continue;
                Assert.True(ours.Contains(property.Name), $"{c.Name}: group {g} lacks {property.Name}");
                var expected = property.Value;
                object value = ours[property.Name];
                var same = value switch
                {
                    bool flag => expected.ValueKind == (flag ? JsonValueKind.True : JsonValueKind.False),
                    double d => d == expected.GetDouble(),
                    ValueTuple<double, double> pair => pair.Item1 == expected[0].GetDouble() && pair.Item2 == expected[1].GetDouble(),
                    _ => false,
                };
                Assert.True(same, $"{c.Name}: group {g} has {property.Name} = {value}, PyTorch {expected.GetRawText()}");
            }
        }
    }

    [Fact]
    public void Deviation_summary_per_optimizer()
    {
        var all = OptimFixture.CaseNames().Select(n => Run(OptimFixture.Load(n))).ToList();
        Assert.NotEmpty(all);
        foreach (var group in all.GroupBy(d => d.Optimizer))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key,-8} cases {group.Count(),2}  max |Δparam| {group.Max(d => d.Params):g3}  " +
                $"max |Δloss| {group.Max(d => d.Loss):g3}  max |Δstate| {group.Max(d => d.State):g3}"));
        }
        foreach (var d in all)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {d.Case,-40} {d.Params:g3} {d.Loss:g3} {d.State:g3}"));
    }
}
