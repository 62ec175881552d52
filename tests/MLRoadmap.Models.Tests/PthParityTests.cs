using System.Reflection;
using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>
/// torchvision's weights as torch.save wrote them (.pth) load into the zoo and give torchvision's logits.
/// TO ENABLE after branch <c>pth</c> is merged: remove the Skip below. The loader is found by reflection
/// (<c>MLRoadmap.Serialization.PyTorchPickle.LoadStateDict(string path)</c> in MLRoadmap.Engine, returning an
/// <c>IReadOnlyDictionary&lt;string, Tensor&gt;</c> or key/tensor pairs, disposed afterwards if disposable), so
/// this file compiles before the merge.
/// </summary>
[Collection(SerialTests.Name)]
public class PthParityTests
{
    private const string Skip = "enable after merging branch pth: needs MLRoadmap.Serialization.PyTorchPickle.LoadStateDict(path)";

    public static TheoryData<string> Names() => ZooFixtures.Names();

    [Theory(Skip = Skip)]
    [MemberData(nameof(Names))]
    public void Pth_weights_load_by_name_and_give_torchvisions_logits(string name)
    {
        var loader = typeof(Tensor).Assembly.GetType("MLRoadmap.Serialization.PyTorchPickle")
            ?.GetMethod("LoadStateDict", BindingFlags.Public | BindingFlags.Static, [typeof(string)])
            ?? throw new InvalidOperationException("MLRoadmap.Serialization.PyTorchPickle.LoadStateDict(string) is not in MLRoadmap.Engine");
        var loaded = loader.Invoke(null, [ZooFixtures.Pth(name)]) ?? throw new InvalidOperationException("LoadStateDict returned null");
        try
        {
            var state = loaded as IReadOnlyDictionary<string, Tensor>
                        ?? (loaded as IEnumerable<KeyValuePair<string, Tensor>>)?.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)
                        ?? throw new InvalidOperationException($"LoadStateDict returned a {loaded.GetType().Name}, not name → tensor pairs");
            using var model = ModelRegistry.CreateClassifier(name);
            model.LoadStateDict(state);                         // strict
            using (var reference = SafeTensors.Load(ZooFixtures.Weights(name)))
                foreach (var (key, t) in reference.Tensors)
                    Assert.True(state[key].Equal(t), $"{name}: {key} from the .pth differs from the same weights' .safetensors");
            using var scope = Torch.NewDisposeScope();
            model.Eval();
            Compare.Close(model.Forward(ZooFixtures.Logits["input"]), ZooFixtures.Logits[$"{name}/logits"], 1e-4, 0, $"{name} eval logits");
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }
}
