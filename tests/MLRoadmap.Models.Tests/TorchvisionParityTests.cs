using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;
using Xunit.Abstractions;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// The torchvision architectures against torchvision 0.14 itself (tests/fixtures/torchvision/make_zoo_fixtures.py):
/// after <c>torch.manual_seed(0)</c> / <c>Torch.ManualSeed(0)</c> both build the same state dict (keys, order,
/// shapes, values bit for bit, which checks the initialisation); a model whose every tensor was overwritten and
/// then loaded from torchvision's file by name gives torchvision's logits on the committed input, in evaluation
/// mode (within 1e-4) and in training mode (batch statistics, dropout from the same seed; within 1e-3). Serial: it
/// seeds the global generator.
/// </summary>
[Collection(SerialTests.Name)]
public class TorchvisionParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names() => ZooFixtures.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Seeded_state_dict_and_loaded_logits_match_torchvision(string name)
    {
        var path = ZooFixtures.Weights(name);
        var meta = ZooFixtures.Meta(name);
        ImageClassifier model;
        lock (TorchFixtures.SeedLock)
        {
            Torch.ManualSeed(0);
            model = ModelRegistry.CreateClassifier(name);
        }
        using (model)
        {
            Assert.Equal(meta.GetProperty("classifier").GetString(), model.ClassifierName);
            Assert.Equal(meta.GetProperty("first_conv").GetString(), model.FirstConvName);
            Assert.Equal(meta.GetProperty("params").GetInt64(), model.Parameters().Sum(p => p.Numel));

            using var torchvision = SafeTensors.Load(path);
            using (var state = model.StateDict())
            {
                Assert.Equal(torchvision.Names, state.Keys);
                foreach (var (key, mine) in state)
                {
                    var theirs = torchvision[key];
                    Assert.True(theirs.Shape.SequenceEqual(mine.Shape) && theirs.Dtype == mine.Dtype,
                        $"{name}: {key} is {mine.Dtype} [{string.Join(", ", mine.Shape)}], torchvision's {theirs.Dtype} [{string.Join(", ", theirs.Shape)}]");
                    Assert.True(mine.Equal(theirs), $"{name}: {key} differs from torchvision's seeded initialisation");
                }
                // Overwrite every tensor (the entries alias the model's), so the load below has to restore them all.
                foreach (var (_, t) in state) Init.Constant_(t, t.Dtype.IsFloatingPoint() ? 0.5 : 7);
            }

            // Strict: every key by name, nothing left over. (Module.Load(path) is this over the same file contents.)
            model.LoadStateDict(torchvision.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
            using var scope = Torch.NewDisposeScope();
            var x = ZooFixtures.Logits["input"];                 // (2, 3, 64, 64)
            model.Eval();
            var eval = Compare.Close(model.Forward(x), ZooFixtures.Logits[$"{name}/logits"], 1e-4, 0, $"{name} eval logits");
            Tensor logits;
            model.Train();
            lock (TorchFixtures.SeedLock)
            {
                Torch.ManualSeed(2);                             // dropout's masks, as the script drew them
                logits = model.Forward(x);
            }
            // Looser in training mode: batch norm over 8 values per channel (2 images, 2x2 maps) amplifies rounding, and
            // PyTorch itself moves ResNet-50's training-mode logits by 1.3e-4 when run on 2 threads instead of 1.
            var train = Compare.Close(logits, ZooFixtures.Logits[$"{name}/logits_train"], 1e-3, 0, $"{name} train logits");
            output.WriteLine($"{name}: max |diff| eval {eval:E2}, train {train:E2}");
        }
    }
}
