using System.Text.Json;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The zoo's text classifiers against PyTorch twins built by tests/fixtures/text/make_text_classifier_fixtures.py
/// (same module names, so the state dicts load by name), and their padding invariance: a row's logits do not depend
/// on how much padding its batch adds.
/// </summary>
public class TextClassifierTests
{
    private static readonly Lazy<SafeTensors.Contents> Fixture =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "text", "text_classifiers.safetensors")));

    public static TheoryData<string> Cases() => new(["lstm_max", "lstm_last", "transformer_prenorm", "transformer_postnorm"]);

    private static TextClassifier Build(string name)
    {
        var options = Fixture.Value.Metadata[name];
        return name.StartsWith("lstm", StringComparison.Ordinal)
            ? new LstmClassifier(JsonSerializer.Deserialize<LstmClassifierOptions>(options)!)
            : new TransformerClassifier(JsonSerializer.Deserialize<TransformerClassifierOptions>(options)!);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_match_pytorch_with_the_same_state_dict(string name)
    {
        var f = Fixture.Value;
        using var model = Build(name);
        var prefix = $"{name}.state.";
        var state = f.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
        model.LoadStateDict(state);   // strict: every key of ours is in PyTorch's and the other way round
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var logits = model.Forward(f[$"{name}.tokens"], f[$"{name}.lengths"]);
        Compare.Close(logits, f[$"{name}.logits"], 1e-5, 0, $"{name} logits");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_padded_batch_gives_each_row_the_logits_it_has_alone(string name)
    {
        var f = Fixture.Value;
        using var model = Build(name);
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        var tokens = f[$"{name}.tokens"];                        // (B, T), right-padded with 0
        var lengths = f[$"{name}.lengths"].ToArray<long>();
        // Padding filled with other token ids too: a model that looked at the padding would change its answer.
        var noisyPad = tokens.MaskedFill(tokens.Eq(0), 7);
        var batched = model.Forward(tokens, f[$"{name}.lengths"]);
        var noisy = model.Forward(noisyPad, f[$"{name}.lengths"]);
        for (var i = 0; i < lengths.Length; i++)
        {
            var alone = model.Forward(tokens.Narrow(0, i, 1).Narrow(1, 0, lengths[i]), Torch.Tensor(new[] { lengths[i] }));
            Compare.Close(batched.Narrow(0, i, 1), alone, 1e-5, 1e-5, $"{name} row {i} in the batch vs alone");
            Compare.Close(noisy.Narrow(0, i, 1), alone, 1e-5, 1e-5, $"{name} row {i} with non-zero padding vs alone");
        }
    }

    [Fact]
    public void Forward_of_tokens_alone_takes_lengths_from_the_padding()
    {
        var f = Fixture.Value;
        using var model = Build("transformer_prenorm");
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        Compare.Close(model.Forward(f["transformer_prenorm.tokens"]),
            model.Forward(f["transformer_prenorm.tokens"], f["transformer_prenorm.lengths"]), 0, 0, "lengths from padding");
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_shape_named()
    {
        using var model = new TransformerClassifier(new TransformerClassifierOptions { VocabSize = 20, MaxLength = 4, DModel = 8, NumHeads = 2 });
        using var scope = Torch.NewDisposeScope();
        var tooLong = Assert.Throws<ArgumentException>(() => model.Forward(Torch.Ones([2, 5], ScalarType.Int64), Torch.Tensor(new long[] { 5, 5 })));
        Assert.Contains("5 tokens per row is more than the model's 4 positions", tooLong.Message, StringComparison.Ordinal);
        var floats = Assert.Throws<ArgumentException>(() => model.Forward(Torch.Ones([2, 3]), Torch.Tensor(new long[] { 3, 3 })));
        Assert.Contains("int64 token ids", floats.Message, StringComparison.Ordinal);
        var heads = Assert.Throws<ArgumentException>(() => new TransformerClassifier(new TransformerClassifierOptions { DModel = 10, NumHeads = 4 }));
        Assert.Contains("NumHeads", heads.Message, StringComparison.Ordinal);
    }
}
