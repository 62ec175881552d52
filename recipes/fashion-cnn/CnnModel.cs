using MLRoadmap.NN;

namespace MLRoadmap.Recipes.FashionCnn;

// TODO(zoo): replace with the zoo's small_cnn (models/) when it is merged.
internal static class CnnModel
{
    /// <summary>Three conv blocks (conv-BN-ReLU ×2, max-pool), global average pooling, dropout, a linear head.</summary>
    public static Module<Tensor, Tensor> Create(CnnSettings s, int channels, int classes)
    {
        var w = s.Width;
        var layers = new List<Module<Tensor, Tensor>>();
        var inC = channels;
        foreach (var outC in new[] { w, 2 * w, 4 * w })
        {
            layers.Add(new Conv2d(inC, outC, 3, padding: 1, bias: false));
            layers.Add(new BatchNorm2d(outC));
            layers.Add(new ReLU());
            layers.Add(new Conv2d(outC, outC, 3, padding: 1, bias: false));
            layers.Add(new BatchNorm2d(outC));
            layers.Add(new ReLU());
            layers.Add(new MaxPool2d(2));
            inC = outC;
        }
        layers.Add(new AdaptiveAvgPool2d(1));
        layers.Add(new Flatten());
        layers.Add(new Dropout(s.Dropout));
        layers.Add(new Linear(inC, classes));
        return new Sequential(layers);
    }
}
