using MLRoadmap.NN;
using MLRoadmap.Optim;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests;

/// <summary>README.md's engine example, verbatim inside the method, so the documented code compiles and runs.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void The_readme_example_trains_saves_and_reloads()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mlp-{Guid.NewGuid():N}.safetensors");
        try
        {
            float first = 0, last = 0;
            // ---- README example begins ----
            using var model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
            using var optimizer = new AdamW(model.Parameters(), lr: 1e-3);
            using var x = Torch.Randn([64, 784]);              // a fixed batch, owned by the caller
            using var y = Torch.Randint(0, 10, [64]);
            for (var step = 0; step < 50; step++)
            {
                using var scope = Torch.NewDisposeScope();     // frees every tensor this step creates
                var loss = F.CrossEntropy(model.Forward(x), y);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                last = loss.Item<float>();
                if (step == 0) first = last;
            }
            model.Save(path);                                  // safetensors, PyTorch's key names ("0.weight", ...)
            // ---- README example ends ----
            Assert.True(last < first / 2, $"loss {first} -> {last}");
            using var copy = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));
            Assert.True(copy.Load(path).IsExactMatch);
            using var scope2 = Torch.NewDisposeScope();
            Assert.True(copy.Forward(x).Equal(model.Forward(x)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
