using MLRoadmap.Models;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Models;

/// <summary>torchvision's weights as torch.save wrote them (.pth, read by our data-only unpickler) load into the zoo by
/// name, equal the same weights' .safetensors bit for bit, and give torchvision's logits.</summary>
[Collection(SerialTests.Name)]
public class PthParityTests
{
    public static TheoryData<string> Names() => ZooFixtures.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Pth_weights_load_by_name_and_give_torchvisions_logits(string name)
    {
        using var state = PyTorchPickle.LoadStateDict(ZooFixtures.Pth(name));
        using var model = ModelRegistry.CreateClassifier(name);
        model.LoadStateDict(state);                         // strict
        using (var reference = SafeTensors.Load(ZooFixtures.Weights(name)))
            foreach (var (key, t) in reference.Tensors)
                Assert.True(state[key].Equal(t), $"{name}: {key} from the .pth differs from the same weights' .safetensors");
        using var scope = Torch.NewDisposeScope();
        model.Eval();
        Compare.Close(model.Forward(ZooFixtures.Logits["input"]), ZooFixtures.Logits[$"{name}/logits"], 1e-4, 0, $"{name} eval logits");
    }
}
