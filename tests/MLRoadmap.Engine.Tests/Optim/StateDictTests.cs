using System.Text.Json;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Optim;

public class StateDictTests
{
    /// <summary>Fixture cases covering every kind of state (and per-group hyperparameters).</summary>
    public static TheoryData<string> Configurations() => new(
        "adam_amsgrad", "adamw", "adam_f64", "sgd_nesterov", "sgd_momentum_weight_decay_per_group",
        "rmsprop_centered_momentum", "rmsprop");

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"mlr-optim-{Guid.NewGuid():N}.safetensors");

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Saving_after_10_steps_and_resuming_in_a_fresh_optimizer_matches_20_uninterrupted_steps_bit_for_bit(string name)
    {
        var c = OptimFixture.Load(name);

        // Uninterrupted: 20 steps, with group 1's lr changed after step 5 (a scheduler would).
        var (w, b) = c.InitialParameters();
        using var _w = w;
        using var _b = b;
        using var straight = c.CreateOptimizer(w, b);
        for (var k = 1; k <= 20; k++)
        {
            c.TrainStep(straight, w, b);
            if (k == 5) straight.ParamGroups[1].LearningRate *= 0.5;
        }

        // Interrupted: 10 steps, save, fresh parameters (copies) and a fresh optimizer, load, 10 more.
        var path = TempFile();
        var (w1, b1) = c.InitialParameters();
        using var _w1 = w1;
        using var _b1 = b1;
        using (var first = c.CreateOptimizer(w1, b1))
        {
            for (var k = 1; k <= 10; k++)
            {
                c.TrainStep(first, w1, b1);
                if (k == 5) first.ParamGroups[1].LearningRate *= 0.5;
            }
            first.Save(path);
        }
        var (w2, b2) = c.InitialParameters();
        using var _w2 = w2;
        using var _b2 = b2;
        using (Torch.NoGrad())
        {
            w2.Copy_(w1);
            b2.Copy_(b1);
        }
        try
        {
            using var resumed = c.CreateOptimizer(w2, b2);
            resumed.Load(path);
            Assert.Equal(straight.ParamGroups[1].LearningRate, resumed.ParamGroups[1].LearningRate);
            for (var k = 11; k <= 20; k++) c.TrainStep(resumed, w2, b2);

            Assert.Equal(w.ToBytes(), w2.ToBytes());
            Assert.Equal(b.ToBytes(), b2.ToBytes());
            foreach (var (p, q) in new[] { (w, w2), (b, b2) })
            {
                var expected = straight.GetState(p);
                var actual = resumed.GetState(q);
                Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
                foreach (var (key, t) in expected)
                {
                    Assert.Equal(t.Dtype, actual[key].Dtype);
                    Assert.Equal(t.ToBytes(), actual[key].ToBytes());
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void State_dict_has_pytorch_layout_and_round_trips_through_tensors_and_json_under_a_prefix()
    {
        var c = OptimFixture.Load("adam_amsgrad");
        var (w, b) = c.InitialParameters();
        using var _w = w;
        using var _b = b;
        using var optimizer = c.CreateOptimizer(w, b);
        for (var k = 0; k < 3; k++) c.TrainStep(optimizer, w, b);

        using var sd = optimizer.StateDict();
        Assert.Equal("Adam", sd.Optimizer);
        Assert.Equal([0, 1], sd.State.Keys);
        Assert.Equal(["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"], sd.State[0].Keys);
        Assert.Equal(3f, sd.State[0]["step"].Item<float>());
        Assert.Equal([0], sd.ParamGroups[0].Params);
        Assert.Equal([1], sd.ParamGroups[1].Params);
        Assert.Equal(0.005, sd.ParamGroups[1].Options["lr"]);
        Assert.Equal((0.9, 0.999), sd.ParamGroups[0].Options["betas"]);
        Assert.Contains(new KeyValuePair<string, Tensor>("ckpt.optimizer.state.1.exp_avg", sd.State[1]["exp_avg"]),
            sd.Tensors("ckpt.optimizer."));

        using var json = JsonDocument.Parse(sd.ToJson());
        Assert.Equal(OptimizerStateDict.Format, json.RootElement.GetProperty("format").GetString());
        Assert.Equal(0.999, json.RootElement.GetProperty("param_groups")[0].GetProperty("betas")[1].GetDouble());
        Assert.True(json.RootElement.GetProperty("param_groups")[0].GetProperty("amsgrad").GetBoolean());

        // A checkpoint embeds the tensors under its own prefix next to tensors of its own, and the JSON elsewhere.
        using var scope = Torch.NewDisposeScope();
        var checkpoint = sd.Tensors("ckpt.optimizer.").Append(new("ckpt.model.w", w)).ToList();
        using var back = OptimizerStateDict.FromTensors(checkpoint, sd.ToJson(), "ckpt.optimizer.");
        var (w2, b2) = c.InitialParameters();
        using var _w2 = w2;
        using var _b2 = b2;
        using var fresh = c.CreateOptimizer(w2, b2);
        fresh.LoadStateDict(back);
        Assert.Equal(optimizer.GetState(w)["exp_avg"].ToBytes(), fresh.GetState(w2)["exp_avg"].ToBytes());
        Assert.Equal(optimizer.GetState(b)["max_exp_avg_sq"].ToBytes(), fresh.GetState(b2)["max_exp_avg_sq"].ToBytes());

        // Loading copies: the loaded state does not share storage with the state dict it came from.
        back.State[0]["exp_avg"].Mul_(0);
        Assert.NotEqual(back.State[0]["exp_avg"].ToBytes(), fresh.GetState(w2)["exp_avg"].ToBytes());
    }

    [Fact]
    public void State_dict_tensors_alias_the_live_state_and_disposing_them_leaves_the_optimizer_intact()
    {
        var c = OptimFixture.Load("sgd_momentum");
        var (w, b) = c.InitialParameters();
        using var _w = w;
        using var _b = b;
        using var optimizer = c.CreateOptimizer(w, b);
        c.TrainStep(optimizer, w, b);
        var sd = optimizer.StateDict();
        var before = sd.State[0]["momentum_buffer"].ToBytes();
        c.TrainStep(optimizer, w, b);
        Assert.NotEqual(before, sd.State[0]["momentum_buffer"].ToBytes());  // later steps show through, as in PyTorch
        sd.Dispose();
        Assert.False(optimizer.GetState(w)["momentum_buffer"].IsDisposed);
        c.TrainStep(optimizer, w, b);
    }

    private static (Optimizer Optimizer, Tensor[] Params) Trained(string name, params long[][] shapes)
    {
        var ps = shapes.Select(s => (Tensor)new Parameter(Torch.Ones(s))).ToArray();
        using (var scope = Torch.NewDisposeScope())
            foreach (var p in ps) p.Sum().Backward();
        Optimizer opt = name == "SGD" ? new SGD(ps, lr: 0.1, momentum: 0.9) : new Adam(ps);
        opt.Step();
        return (opt, ps);
    }

    private static void Dispose(Optimizer o, Tensor[] ps)
    {
        o.Dispose();
        foreach (var p in ps) p.Dispose();
    }

    [Fact]
    public void Loading_into_a_different_optimizer_or_parameter_layout_fails_naming_the_mismatch_and_changes_nothing()
    {
        var (source, sp) = Trained("Adam", [4, 3], [3]);
        using var sd = source.StateDict();

        var (sgd, gp) = Trained("SGD", [4, 3], [3]);
        var e = Assert.Throws<ArgumentException>(() => sgd.LoadStateDict(sd));
        Assert.Contains("from Adam; this optimizer is SGD", e.Message, StringComparison.Ordinal);

        // Two groups in the optimizer, one in the state dict.
        var (two, tp) = Trained("Adam", [4, 3]);
        using (var extra = new Parameter(Torch.Ones([2])))
        {
            two.AddParamGroup(new ParamGroup([extra]));
            e = Assert.Throws<ArgumentException>(() => two.LoadStateDict(sd));
            Assert.Contains("1 parameter groups but the optimizer has 2", e.Message, StringComparison.Ordinal);
        }

        // Same group count, different parameter count.
        var (fewer, fp) = Trained("Adam", [4, 3]);
        e = Assert.Throws<ArgumentException>(() => fewer.LoadStateDict(sd));
        Assert.Contains("parameter group 0 has 2 parameters in the state dict but 1 in the optimizer", e.Message, StringComparison.Ordinal);

        // Same counts, a transposed shape.
        var (shaped, hp) = Trained("Adam", [3, 4], [3]);
        var stateBefore = shaped.GetState(hp[0])["exp_avg"].ToBytes();
        e = Assert.Throws<ArgumentException>(() => shaped.LoadStateDict(sd));
        Assert.Contains("state.0.exp_avg has shape [4, 3] but parameter 0 (group 0, position 0) has shape [3, 4]", e.Message, StringComparison.Ordinal);
        Assert.Equal(stateBefore, shaped.GetState(hp[0])["exp_avg"].ToBytes());
        Assert.False(shaped.GetState(hp[0])["exp_avg"].IsDisposed);

        foreach (var (o, ps) in new[] { (source, sp), (sgd, gp), (two, tp), (fewer, fp), (shaped, hp) }) Dispose(o, ps);
    }

    [Fact]
    public void A_checkpoint_saved_with_fused_kernels_loads_where_there_are_none_and_keeps_this_optimizers_choice()
    {
        var (source, sp) = Trained("Adam", [4, 3]);
        using var sd = source.StateDict();
        var json = sd.ToJson();
        Assert.Contains("\"fused\":false", json, StringComparison.Ordinal);
        using var fusedSd = OptimizerStateDict.FromTensors(sd.Tensors(), json.Replace("\"fused\":false", "\"fused\":true", StringComparison.Ordinal));
        var (target, tp) = Trained("Adam", [4, 3]);
        target.LoadStateDict(fusedSd);
        Assert.False((bool)target.ParamGroups[0]["fused"]);
        Assert.Equal(source.GetState(sp[0])["exp_avg"].ToBytes(), target.GetState(tp[0])["exp_avg"].ToBytes());
        Dispose(source, sp);
        Dispose(target, tp);
    }

    [Fact]
    public void A_file_that_is_not_an_optimizer_state_or_has_missing_tensors_is_refused()
    {
        var path = TempFile();
        try
        {
            using (var scope = Torch.NewDisposeScope())
                SafeTensors.Save(path, [new("x", Torch.Ones([1]))]);
            var e = Assert.Throws<FormatException>(() => OptimizerStateDict.Load(path));
            Assert.Contains("not an optimizer state file", e.Message, StringComparison.Ordinal);

            var (opt, ps) = Trained("Adam", [2]);
            using (var sd = opt.StateDict())
            {
                var partial = sd.Tensors().Where(kv => kv.Key != "state.0.exp_avg_sq").ToList();
                var f = Assert.Throws<FormatException>(() => OptimizerStateDict.FromTensors(partial, sd.ToJson()));
                Assert.Contains("'state.0.exp_avg_sq' is listed in the JSON but missing", f.Message, StringComparison.Ordinal);
            }
            Dispose(opt, ps);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
