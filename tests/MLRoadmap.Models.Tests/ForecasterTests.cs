using MLRoadmap.Models;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The LSTM forecaster against PyTorch (tests/fixtures/torchvision/make_forecaster_fixtures.py builds the same network
/// from nn.LSTM and nn.Linear named lstm and head): seeded weights bit for bit with the same keys, the evaluation-mode
/// output, and every parameter's gradient in training mode. Serial: it seeds the global generator.
/// </summary>
[Collection(SerialTests.Name)]
public class ForecasterTests
{
    private static readonly Lazy<SafeTensors.Contents> File =
        new(() => SafeTensors.Load(Path.Combine(Repo.Fixtures, "torchvision", "forecaster.safetensors")));

    [Theory]
    [InlineData("two_layers")]
    [InlineData("one_layer")]
    public void Forecaster_initialises_computes_and_differentiates_as_pytorch(string name)
    {
        var fx = File.Value;
        var meta = TorchFixtures.Meta(fx, name);
        var options = new LstmForecasterOptions
        {
            InChannels = meta.GetProperty("features").GetInt32(),
            HiddenSize = meta.GetProperty("hidden").GetInt32(),
            NumLayers = meta.GetProperty("layers").GetInt32(),
            Horizon = meta.GetProperty("horizon").GetInt32(),
        };
        LstmForecaster net;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(0);
            net = (LstmForecaster)ModelRegistry.Create("lstm_forecaster", options);
        }
        using (net)
        {
            var expected = TorchFixtures.Under(fx, $"{name}/state/");
            using (var state = net.StateDict())
            {
                Assert.Equal(expected.Select(kv => kv.Key), state.Keys);
                foreach (var (key, t) in expected) Compare.Exact(state[key], t, key);
            }
            using var scope = Torch.NewDisposeScope();
            var x = fx[$"{name}/x"];
            net.Eval();
            Compare.Close(net.Forward(x), fx[$"{name}/y"], 1e-5, 1e-5, $"{name} forecast");

            net.Train();
            net.Forward(x).Mul(fx[$"{name}/w"]).Sum().Backward();
            var grads = TorchFixtures.Under(fx, $"{name}/grad/");
            var parameters = net.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            Assert.Equal(grads.Select(kv => kv.Key), parameters.Keys);
            foreach (var (key, g) in grads) Compare.Close(parameters[key].Grad!, g, 1e-5, 1e-5, $"{name} grad {key}");
        }
    }

    [Fact]
    public void Wrong_inputs_and_options_are_refused_by_name()
    {
        using var net = new LstmForecaster(new LstmForecasterOptions { InChannels = 3, HiddenSize = 4, Horizon = 2 });
        using var scope = Torch.NewDisposeScope();
        Assert.Equal([5L, 2], net.Forward(Torch.Randn([5, 9, 3])).Shape);
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Torch.Randn([5, 9, 4])));
        Assert.Contains("expected input (batch, steps, 3), got [5, 9, 4]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => net.Forward(Torch.Randn([9, 3])));
        foreach (var (field, options) in new (string, LstmForecasterOptions)[]
                 {
                     ("Horizon", new() { Horizon = 0 }), ("HiddenSize", new() { HiddenSize = 0 }),
                     ("NumLayers", new() { NumLayers = 0 }), ("Dropout", new() { Dropout = 1 }), ("InChannels", new() { InChannels = 0 }),
                 })
        {
            var bad = Assert.Throws<ArgumentException>(() => new LstmForecaster(options));
            Assert.Contains(field, bad.Message, StringComparison.Ordinal);
        }
        Assert.Equal(ModelKind.Forecaster, ModelRegistry.Info("lstm_forecaster").Kind);
        Assert.Equal([168L, 5], ModelRegistry.Info("lstm_forecaster").InputShape());
        Assert.Equal([24L], ModelRegistry.Info("lstm_forecaster").OutputShape());
    }
}
