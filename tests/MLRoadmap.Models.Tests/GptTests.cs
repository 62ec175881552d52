using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Optim;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The GPT against a PyTorch twin (tests/fixtures/torchvision/make_gpt_fixtures.py builds the same architecture
/// with the same module names): seeded initialisation bit for bit, logits, loss, gradients and greedy generation
/// after loading PyTorch's state dict by name; the tied weight; causality; bad input. Serial: it seeds the global
/// generator and counts live tensors.
/// </summary>
[Collection(SerialTests.Name)]
public class GptTests(ITestOutputHelper output)
{
    private static readonly Lazy<SafeTensors.Contents> FixtureFile =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "gpt.safetensors")));

    private static SafeTensors.Contents Fx => FixtureFile.Value;

    private static GptConfig Config(string name)
    {
        var meta = TorchFixtures.Meta(Fx, name);
        return new GptConfig
        {
            VocabSize = meta.GetProperty("vocab_size").GetInt32(),
            BlockSize = meta.GetProperty("block_size").GetInt32(),
            NLayer = meta.GetProperty("n_layer").GetInt32(),
            NHead = meta.GetProperty("n_head").GetInt32(),
            NEmbd = meta.GetProperty("n_embd").GetInt32(),
            Bias = meta.GetProperty("bias").GetBoolean(),
            Dropout = meta.GetProperty("dropout").GetDouble(),
        };
    }

    private static Gpt Seeded(GptConfig config, ulong seed)
    {
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(seed);
            return new Gpt(config);
        }
    }

    /// <summary>A model of the case's shape holding PyTorch's weights (built from another seed, then loaded).</summary>
    private static Gpt Loaded(string name)
    {
        var model = Seeded(Config(name), 123);
        model.LoadStateDict(TorchFixtures.Under(Fx, $"{name}/weights/").ToDictionary(kv => kv.Key, kv => kv.Value));
        return model;
    }

    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    [Theory]
    [InlineData("bias")]
    [InlineData("nobias")]
    public void Seeded_construction_gives_pytorchs_state_dict_bit_for_bit(string name)
    {
        using var model = Seeded(Config(name), 0);
        var expected = TorchFixtures.Under(Fx, $"{name}/state/");
        using var state = model.StateDict();
        Assert.Equal(expected.Select(kv => kv.Key), state.Keys);   // both tied keys, in PyTorch's order
        foreach (var (key, t) in expected) Compare.Exact(state[key], t, $"{name}: {key}");
    }

    [Theory]
    [InlineData("bias")]
    [InlineData("nobias")]
    public void Logits_loss_and_gradients_match_pytorch_after_loading_its_state_dict(string name)
    {
        using var model = Loaded(name);
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var logits = model.Forward(Fx[$"{name}/idx"]);
        var worstLogit = Compare.Close(logits, Fx[$"{name}/logits"], 1e-5, 1e-5, $"{name} logits");
        var loss = Gpt.Loss(logits, Fx[$"{name}/targets"]);
        var lossDiff = Compare.Close(loss, Fx[$"{name}/loss"], 1e-6, 1e-5, $"{name} loss");
        loss.Backward();
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var worstGrad = 0.0;
        foreach (var (key, grad) in TorchFixtures.Under(Fx, $"{name}/grad/"))
            worstGrad = Math.Max(worstGrad, Compare.Close(parameters[key].Grad!, grad, 1e-6, 1e-4, $"{name} gradient of {key}"));
        output.WriteLine($"{name}: max |diff| logits {worstLogit:E2}, loss {lossDiff:E2}, gradients {worstGrad:E2}");
    }

    [Theory]
    [InlineData("bias")]
    [InlineData("nobias")]
    public void Greedy_generation_crops_the_context_and_matches_pytorch(string name)
    {
        using var model = Loaded(name);
        using var scope = Torch.NewDisposeScope();
        var prompt = Fx[$"{name}/prompt"];
        var expected = Fx[$"{name}/greedy"];
        var generated = model.Generate(prompt, (int)(expected.Size(1) - prompt.Size(1)), temperature: 0);
        Compare.Exact(generated, expected, $"{name}: greedy continuation (longer than the block size)");
        Assert.True(model.IsTraining, "Generate restores training mode");
    }

    [Fact]
    public void A_pth_saved_by_pytorch_with_shared_storage_loads_by_name()
    {
        using var model = Seeded(Config("bias"), 5);
        using (var state = PyTorchPickle.LoadStateDict(Path.Combine(Repo.Fixtures, "torchvision", "gpt_tied.pth")))
            model.LoadStateDict(state);
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        Compare.Close(model.Forward(Fx["bias/idx"]), Fx["bias/logits"], 1e-5, 1e-5, "logits with the .pth's weights");
    }

    [Fact]
    public void Save_writes_both_tied_keys_and_load_round_trips()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gpt-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var source = Loaded("bias");
            source.Save(path);
            using (var file = StateDict.Load(path))
            {
                Assert.True(file.ContainsKey("transformer.wte.weight") && file.ContainsKey("lm_head.weight"));
                Compare.Exact(file["lm_head.weight"], file["transformer.wte.weight"], "the two tied entries");
            }

            using var copy = Seeded(Config("bias"), 9);
            copy.Load(path);
            Assert.Same(copy.Wte.Weight, copy.LmHead.Weight);   // loading copies into the Parameter; the tie holds
            using var a = source.StateDict();
            using var b = copy.StateDict();
            foreach (var key in a.Keys) Compare.Exact(b[key], a[key], key);

            // A dict without the head's key (what safetensors' save_model writes for tied weights) is refused by name
            // by the strict load, as PyTorch's load_state_dict refuses it.
            var partial = a.Where(kv => kv.Key != "lm_head.weight").ToDictionary(kv => kv.Key, kv => kv.Value);
            var e = Assert.Throws<StateDictMismatchException>(() => copy.LoadStateDict(partial));
            Assert.Contains("lm_head.weight", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_tied_weight_is_one_parameter_and_a_step_moves_both_views()
    {
        using var model = Loaded("bias");
        Assert.Same(model.Wte.Weight, model.LmHead.Weight);
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("transformer.wte.weight", names);
        Assert.DoesNotContain("lm_head.weight", names);       // listed once, so an optimizer steps it once
        var unique = TorchFixtures.Under(Fx, "bias/state/").Where(kv => kv.Key != "lm_head.weight").Sum(kv => kv.Value.Numel);
        Assert.Equal(unique, model.NumParameters());
        Assert.Equal(unique - model.Wpe.Weight.Numel, model.NumParameters(nonEmbedding: true));

        using var optimizer = new SGD(model.Parameters(), lr: 0.5);
        using var scope = Torch.NewDisposeScope();
        var before = model.LmHead.Weight.Clone();
        Gpt.Loss(model.Forward(Fx["bias/idx"]), Fx["bias/targets"]).Backward();
        // Both uses (embedding lookup and output head) add into the one gradient, as PyTorch's figure shows.
        Compare.Close(model.Wte.Weight.Grad!, Fx["bias/grad/transformer.wte.weight"], 1e-6, 1e-4, "tied gradient");
        optimizer.Step();
        Assert.True((model.LmHead.Weight - before).Abs().Max().Item<float>() > 0, "the step moved the head");
        using var state = model.StateDict();
        Compare.Exact(state["transformer.wte.weight"], state["lm_head.weight"], "the two views after a step");
    }

    [Fact]
    public void Changing_a_token_changes_no_logit_before_it()
    {
        using var model = Seeded(new GptConfig { VocabSize = 13, BlockSize = 10, NLayer = 2, NHead = 2, NEmbd = 16 }, 3);
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var ids = Torch.Randint(0, 13, [2, 10]);
        var baseLogits = model.Forward(ids);
        foreach (var t in new[] { 0, 4, 9 })
        {
            var changed = ids.Clone();
            changed.Narrow(1, t, 1).Copy_((ids.Narrow(1, t, 1) + 1).Remainder(13));
            var logits = model.Forward(changed);
            if (t > 0) Compare.Exact(logits.Narrow(1, 0, t), baseLogits.Narrow(1, 0, t), $"logits before position {t}");
            Assert.True((logits.Narrow(1, t, 1) - baseLogits.Narrow(1, t, 1)).Abs().Max().Item<float>() > 0,
                $"changing token {t} changed its own position's logits");
        }
    }

    [Fact]
    public void Dropout_acts_only_in_training_mode()
    {
        using var model = Seeded(new GptConfig { VocabSize = 13, BlockSize = 6, NLayer = 1, NHead = 2, NEmbd = 8, Dropout = 0.5 }, 4);
        using var scope = Torch.NewDisposeScope();
        var ids = Torch.Randint(0, 13, [2, 6]);
        model.Eval();
        Compare.Exact(model.Forward(ids), model.Forward(ids), "evaluation is deterministic");
        model.Train();
        Assert.True((model.Forward(ids) - model.Forward(ids)).Abs().Max().Item<float>() > 0, "training mode drops");
    }

    [Fact]
    public void Bad_input_and_settings_are_refused_by_name()
    {
        using var model = Seeded(Config("bias"), 1);
        using var scope = Torch.NewDisposeScope();
        void Refused<TException>(string text, Action action) where TException : Exception
        {
            var e = Assert.ThrowsAny<TException>(action);
            Assert.Contains(text, e.Message, StringComparison.Ordinal);
        }
        Refused<ArgumentException>("block size is 8", () => model.Forward(Torch.Zeros([1, 9], ScalarType.Int64)));
        Refused<ArgumentException>("(B, T)", () => model.Forward(Torch.Zeros([9], ScalarType.Int64)));
        Refused<ArgumentException>("float32", () => model.Forward(Torch.Zeros([1, 4])));
        var prompt = Torch.Zeros([1, 3], ScalarType.Int64);
        Refused<ArgumentOutOfRangeException>("topK", () => model.Generate(prompt, 2, topK: 12));
        Refused<ArgumentOutOfRangeException>("topK", () => model.Generate(prompt, 2, topK: -1));
        Refused<ArgumentOutOfRangeException>("temperature", () => model.Generate(prompt, 2, temperature: -0.5));
        Refused<ArgumentOutOfRangeException>("temperature", () => model.Generate(prompt, 2, temperature: double.NaN));
        Refused<ArgumentOutOfRangeException>("maxNewTokens", () => model.Generate(prompt, -1));
        Refused<ArgumentException>("(B, T)", () => model.Generate(Torch.Zeros([1, 0], ScalarType.Int64), 2));
        Refused<ArgumentException>("NEmbd", () => ModelRegistry.Create("gpt", new GptConfig { NEmbd = 30, NHead = 4 }));
        Refused<ArgumentException>("Dropout", () => new Gpt(new GptConfig { Dropout = 1 }).Dispose());
        Refused<ArgumentException>("BlockSize", () => new Gpt(new GptConfig { BlockSize = 0 }).Dispose());
        Refused<ArgumentException>("Gpt.Loss", () => Gpt.Loss(Torch.Zeros([2, 3, 5]), Torch.Zeros([2, 4], ScalarType.Int64)));
    }

    [Fact]
    public void Generate_and_forward_leave_no_tensor_behind()
    {
        var baseline = Baseline();
        using (var model = Seeded(Config("bias"), 2))
        {
            using var prompt = Torch.Zeros([2, 5], ScalarType.Int64).DetachFromDisposeScope();
            using (var sampled = model.Generate(prompt, 12, temperature: 0.8, topK: 4, seed: 7)) Assert.Equal([2L, 17], sampled.Shape);
            using (var greedy = model.Generate(prompt, 3, temperature: 0)) Assert.Equal([2L, 8], greedy.Shape);
            using (var logits = model.Forward(prompt)) Assert.Equal([2L, 5, 11], logits.Shape);
        }
        Assert.Equal(baseline, Baseline());
    }

    [Fact]
    public void Generate_is_reproducible_from_a_seed_and_keeps_the_prompt()
    {
        using var model = Seeded(Config("bias"), 2);
        using var scope = Torch.NewDisposeScope();
        var prompt = Torch.Randint(0, 11, [3, 4]);
        var a = model.Generate(prompt, 20, temperature: 1.5, topK: null, seed: 11);
        var b = model.Generate(prompt, 20, temperature: 1.5, topK: null, seed: 11);
        var c = model.Generate(prompt, 20, temperature: 1.5, topK: null, seed: 12);
        Compare.Exact(a, b, "same seed, same sample");
        Assert.False(a.Equal(c), "another seed gives another sample (60 draws over 11 tokens)");
        Compare.Exact(a.Narrow(1, 0, 4), prompt, "the prompt is the output's prefix");
        Assert.True(a.Min().Item<long>() >= 0 && a.Max().Item<long>() < 11);

        var longPrompt = Torch.Randint(0, 11, [1, 12]);                    // longer than the block (8): cropped
        Compare.Exact(model.Generate(longPrompt, 3, 1.0, 2, seed: 1).Narrow(1, 0, 12), longPrompt, "a long prompt is kept whole");
    }

    [Theory]
    [InlineData(0.0, null)]
    [InlineData(1.0, null)]
    [InlineData(0.9, 3)]
    public void Generate_with_the_kv_cache_gives_the_tokens_of_reading_the_whole_context_every_step(double temperature, int? topK)
    {
        // Block of 8: a prompt of 3 is read at once, the next 5 tokens one at a time from the cache, and from the 9th
        // on the window slides and is read whole; a prompt of 12 never fits. 40 draws a row over 11 tokens: a cache
        // that mixed up positions or keys would change some.
        using var model = Seeded(Config("bias"), 5);
        using var scope = Torch.NewDisposeScope();
        foreach (var length in new[] { 1, 3, 7, 8, 12 })
        {
            var prompt = Torch.Randint(0, 11, [3, length]);
            var cached = model.Generate(prompt, 40, temperature, topK, new Random(21));
            var full = model.Generate(prompt, 40, temperature, topK, new Random(21), kvCache: false);
            Compare.Exact(cached, full, $"prompt of {length}, temperature {temperature}, top-k {topK}");
        }
    }

    [Fact]
    public void The_registry_builds_it_with_token_shapes()
    {
        var info = ModelRegistry.Info("gpt");
        Assert.Equal(ModelKind.LanguageModel, info.Kind);
        Assert.Equal([64L], info.InputShape());
        Assert.Equal([64L, 65], info.OutputShape());
        Assert.Equal([16L, 100], info.OutputShape(new GptConfig { BlockSize = 16, VocabSize = 100 }));
        using (var model = Assert.IsType<Gpt>(ModelRegistry.Create("gpt", new GptConfig { NLayer = 1 }))) Assert.Single(model.H);
        // The counts the PyTorch twin gives for the same shapes (the tied weight once): the default and GPT-2 small.
        using (var model = Assert.IsType<Gpt>(ModelRegistry.Create("gpt"))) Assert.Equal(809_856, model.NumParameters());
        using (var model = new Gpt(GptConfig.Gpt2Small)) Assert.Equal(124_475_904, model.NumParameters());
    }
}
