using MLRoadmap.Tests.Support;
using System.Globalization;
using System.Text.Json;
using MLRoadmap.NN;
using Xunit.Abstractions;
using static MLRoadmap.Tests.Support.TorchFixtures;

namespace MLRoadmap.Tests.NN;

/// <summary>
/// Every case of tests/fixtures/torch/layers.safetensors (one test per case, straight from the file's metadata):
/// the layer built after the case's seed must hold PyTorch's initial parameters bit for bit, and with the fixture's
/// parameters loaded its outputs, input gradients, parameter gradients and updated buffers must match PyTorch's.
/// </summary>
[Collection(SerialTests.Name)]
public class LayerFixtureTests(ITestOutputHelper log)
{
    // float32 throughout this file. Forward values come from the same libtorch kernels as the fixtures', so the
    // bound is loose only for reductions computed in a different order (attention, batch statistics).
    private const double OutputAtol = 1e-6, OutputRtol = 1e-5;
    private const double GradAtol = 1e-5, GradRtol = 1e-4;

    public static TheoryData<string> Cases => CaseNames("layers");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_matches_PyTorch(string name)
    {
        var file = Layers;
        var meta = Meta(file, name);
        var moduleName = meta.GetProperty("module").GetString()!;
        using var scope = Torch.NewDisposeScope();

        Module module;
        lock (SeedLock)
        {
            Torch.ManualSeed(meta.GetProperty("seed").GetUInt64());
            module = LayerFactory.Create(moduleName, meta.GetProperty("args"));
        }
        using var owned = module;
        module.Train(meta.GetProperty("train").GetBoolean());

        // Initial state: PyTorch's keys in PyTorch's order, and (default init) PyTorch's values exactly.
        var expectedState = Under(file, name + "/param/");
        using (var state = module.StateDict())
        {
            Assert.Equal(expectedState.Select(kv => kv.Key), state.Keys);
            if (!meta.GetProperty("custom_state").GetBoolean())
                foreach (var (key, expected) in expectedState) Compare.Exact(state[key], expected, $"initial {key}");
        }
        Assert.Equal(Strings(meta, "params"), module.NamedParameters().Select(p => p.Name));
        Assert.Equal(Strings(meta, "buffers"), module.NamedBuffers().Select(b => b.Name));

        // From here on the fixture's parameters, so forward checks don't depend on the init.
        Assert.True(module.LoadStateDict(expectedState.ToDictionary(kv => kv.Key, kv => kv.Value)).IsExactMatch);

        var inputs = new List<Tensor>();
        var specs = meta.GetProperty("inputs").EnumerateArray().ToList();
        for (var i = 0; i < specs.Count; i++)
        {
            var x = Copy(file[$"{name}/input.{i}"]);
            if (specs[i].GetProperty("requires_grad").GetBoolean()) x.RequiresGrad = true;
            inputs.Add(x);
        }

        var call = meta.GetProperty("forward_call").GetString()!;
        List<Tensor> outputs;
        if (meta.TryGetProperty("forward_seed", out var forwardSeed))
        {
            lock (SeedLock)
            {
                Torch.ManualSeed(forwardSeed.GetUInt64());
                outputs = ForwardCall.Run(module, call, inputs);
            }
        }
        else outputs = ForwardCall.Run(module, call, inputs);

        Assert.Equal(meta.GetProperty("outputs").GetInt32(), outputs.Count);
        double worstOut = 0, worstGrad = 0;
        for (var j = 0; j < outputs.Count; j++)
            worstOut = Math.Max(worstOut, Compare.Close(outputs[j], file[$"{name}/output.{j}"], OutputAtol, OutputRtol, $"output.{j}"));

        foreach (var (key, expected) in Under(file, name + "/buffer_after/"))
        {
            var buffer = module.NamedBuffers().Single(b => b.Name == key).Buffer;
            worstOut = Math.Max(worstOut, Compare.Close(buffer, expected, OutputAtol, OutputRtol, $"buffer {key} after the forward"));
        }

        // Backward of Σ_j (output_j · grad_output_j).sum(), exactly what the fixture's script does.
        Tensor? total = null;
        for (var j = 0; j < outputs.Count; j++)
        {
            if (!file.TryGet($"{name}/grad_output.{j}", out var gradOutput)) continue;
            var term = (outputs[j] * gradOutput).Sum();
            total = total is null ? term : total + term;
        }
        if (total is not null && total.RequiresGrad) total.Backward();

        for (var i = 0; i < inputs.Count; i++)
        {
            if (!file.TryGet($"{name}/grad/input.{i}", out var expected)) continue;
            var grad = inputs[i].Grad;
            Assert.True(grad is not null, $"input.{i} got no gradient");
            worstGrad = Math.Max(worstGrad, Compare.Close(grad, expected, GradAtol, GradRtol, $"grad of input.{i}"));
        }
        foreach (var (pname, p) in module.NamedParameters())
        {
            var grad = p.Grad;
            if (!file.TryGet($"{name}/grad/param/{pname}", out var expected))
            {
                Assert.True(grad is null, $"{pname} has a gradient PyTorch's did not");
                continue;
            }
            Assert.True(grad is not null, $"{pname} got no gradient");
            worstGrad = Math.Max(worstGrad, Compare.Close(grad, expected, GradAtol, GradRtol, $"grad of {pname}"));
        }
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"maxerr {moduleName} {name} output {worstOut:E2} grad {worstGrad:E2}"));
        ErrorLog.Record(moduleName, name, worstOut, worstGrad);
    }

    private static List<string> Strings(JsonElement meta, string property) =>
        meta.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToList();
}

/// <summary>Runs a fixture's <c>forward_call</c> (e.g. <c>module(input.0, (input.1, input.2))</c> or
/// <c>module(input.0, input.1, input.2, key_padding_mask=input.3, need_weights=True)</c>) on our module, and returns
/// the outputs flattened as the fixture stores them (tuples in order, None dropped).</summary>
internal static class ForwardCall
{
    public static List<Tensor> Run(Module module, string call, IReadOnlyList<Tensor> inputs)
    {
        if (!call.StartsWith("module(", StringComparison.Ordinal) || !call.EndsWith(')'))
            throw new NotSupportedException($"forward call '{call}'");
        var positional = new List<Tensor>();
        var keywords = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in call["module(".Length..^1].Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal).Split(','))
        {
            var token = raw.Trim();
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) positional.Add(Input(token));
            else keywords[token[..eq]] = token[(eq + 1)..];
        }

        Tensor? T(string key) => keywords.Remove(key, out var v) ? Input(v) : null;
        bool B(string key, bool fallback) => keywords.Remove(key, out var v) ? v == "True" : fallback;
        Tensor? P(int i) => positional.Count > i ? positional[i] : null;

        List<Tensor?> outputs = module switch
        {
            LSTM lstm => Tuple(lstm.Forward(positional[0], P(1), P(2))),
            GRU gru => Tuple(gru.Forward(positional[0], P(1))),
            RNN rnn => Tuple(rnn.Forward(positional[0], P(1))),
            MultiheadAttention mha => Pair(mha.Forward(positional[0], positional[1], positional[2],
                keyPaddingMask: T("key_padding_mask"), needWeights: B("need_weights", true), attnMask: T("attn_mask"),
                averageAttnWeights: B("average_attn_weights", true))),
            TransformerEncoderLayer enc => [enc.Forward(positional[0], T("src_mask"), T("src_key_padding_mask"))],
            TransformerDecoderLayer dec => [dec.Forward(positional[0], positional[1], T("tgt_mask"), T("memory_mask"),
                T("tgt_key_padding_mask"), T("memory_key_padding_mask"))],
            Module<Tensor, Tensor> plain when positional.Count == 1 => [plain.Forward(positional[0])],
            _ => throw new NotSupportedException($"{module.GetType().Name}: forward call '{call}'"),
        };
        if (keywords.Count > 0) throw new NotSupportedException($"forward call '{call}': unhandled argument(s) {string.Join(", ", keywords.Keys)}");
        return outputs.Where(o => o is not null).Select(o => o!).ToList();

        Tensor Input(string token) => token.StartsWith("input.", StringComparison.Ordinal)
            ? inputs[int.Parse(token["input.".Length..], CultureInfo.InvariantCulture)]
            : throw new NotSupportedException($"forward call '{call}': argument '{token}'");
    }

    private static List<Tensor?> Tuple((Tensor, Tensor, Tensor) t) => [t.Item1, t.Item2, t.Item3];
    private static List<Tensor?> Tuple((Tensor, Tensor) t) => [t.Item1, t.Item2];
    private static List<Tensor?> Pair((Tensor Output, Tensor? Weights) t) => [t.Output, t.Weights];
}

/// <summary>Appends each case's worst errors to the file named by MLROADMAP_NN_ERROR_LOG, when set (for reports).</summary>
internal static class ErrorLog
{
    private static readonly Lock Gate = new();

    public static void Record(string family, string name, double output, double grad)
    {
        var path = Environment.GetEnvironmentVariable("MLROADMAP_NN_ERROR_LOG");
        if (string.IsNullOrEmpty(path)) return;
        lock (Gate)
            File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{family}\t{name}\t{output:E3}\t{grad:E3}\n"));
    }
}
