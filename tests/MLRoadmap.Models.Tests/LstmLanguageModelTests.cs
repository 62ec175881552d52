using MLRoadmap.Models;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The LSTM language model against PyTorch (tests/fixtures/torchvision/make_lstm_lm_fixtures.py builds the same
/// network from torch.nn under the same names): PyTorch's state dict loads by its own keys, and the logits from zero
/// states and from given states, and the final states, agree to 1e-5; tied weights are one tensor under both keys.
/// Generation reads the prompt once and then feeds one token at a time: its greedy choices equal re-reading the
/// whole text each step.
/// </summary>
public class LstmLanguageModelTests
{
    private static readonly Lazy<SafeTensors.Contents> Fixture =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "lstm_lm.safetensors")));

    private static LstmLanguageModel Build(string name)
    {
        var meta = TorchFixtures.Meta(Fixture.Value, name);
        return new LstmLanguageModel(new LstmLanguageModelOptions
        {
            VocabSize = meta.GetProperty("vocab").GetInt32(),
            EmbeddingDim = meta.GetProperty("embedding").GetInt32(),
            HiddenSize = meta.GetProperty("hidden").GetInt32(),
            NumLayers = meta.GetProperty("layers").GetInt32(),
            TieWeights = meta.GetProperty("tied").GetBoolean(),
        });
    }

    [Theory]
    [InlineData("untied")]
    [InlineData("tied")]
    public void Loads_pytorch_weights_and_computes_as_pytorch(string name)
    {
        var fx = Fixture.Value;
        using var model = Build(name);
        var expected = TorchFixtures.Under(fx, $"{name}/state/");
        using (var state = model.StateDict())
            Assert.Equal(expected.Select(kv => kv.Key).Order(StringComparer.Ordinal), state.Keys.Order(StringComparer.Ordinal));
        model.LoadStateDict(expected.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        Compare.Close(model.Forward(fx[$"{name}/ids"]), fx[$"{name}/logits"], 1e-5, 1e-5, $"{name} logits");
        var (logits, (h, c)) = model.Forward(fx[$"{name}/ids"], (fx[$"{name}/h0"], fx[$"{name}/c0"]));
        Compare.Close(logits, fx[$"{name}/logits_state"], 1e-5, 1e-5, $"{name} logits from given states");
        Compare.Close(h, fx[$"{name}/hn"], 1e-5, 1e-5, $"{name} h_n");
        Compare.Close(c, fx[$"{name}/cn"], 1e-5, 1e-5, $"{name} c_n");
    }

    [Fact]
    public void Tied_weights_are_one_parameter()
    {
        using var model = Build("tied");
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("embedding.weight", names);
        Assert.DoesNotContain("head.weight", names);   // listed once, under its first name, as PyTorch does
        Assert.Throws<ArgumentException>(() => new LstmLanguageModel(new LstmLanguageModelOptions { EmbeddingDim = 4, HiddenSize = 8, TieWeights = true }));
    }

    [Fact]
    public void Generation_with_carried_state_equals_rereading_the_text()
    {
        using var model = Build("untied");
        model.LoadStateDict(TorchFixtures.Under(Fixture.Value, "untied/state/").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var prompt = Fixture.Value["untied/ids"].Narrow(0, 0, 1);                             // (1, 7)
        var generated = model.Generate(prompt, 6, logits => logits.Argmax(-1, keepDim: true));  // (1, 13)
        Assert.Equal([1L, 13], generated.Shape);
        var text = prompt;
        for (var i = 0; i < 6; i++)
        {
            var next = model.Forward(text).Select(1, -1).Argmax(-1, keepDim: true);            // (1, 1)
            text = Torch.Cat([text, next], 1);
        }
        Assert.Equal(text.ToArray<long>(), generated.ToArray<long>());
    }
}
