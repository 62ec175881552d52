using MLRoadmap.Recipes.FashionCnn;

namespace MLRoadmap.Recipes.FashionResnet;

/// <summary>fashion-resnet: a ResNet-18 with augmentation on Fashion-MNIST (or MNIST, or CIFAR-10, by
/// <c>data.path</c>), aimed at the GPU; the README beside this file has the numbers. The data side is fashion-cnn's
/// <see cref="ImageRecipe{TConfig, TModel}"/>.</summary>
public sealed class FashionResnetRecipe : ImageRecipe<FashionResnetConfig, ResnetSettings>
{
    public override string Name => "fashion-resnet";

    public override string Description => "ResNet-18 with augmentation on Fashion-MNIST, aimed at the GPU (MNIST or CIFAR-10 by data.path)";

    protected override ImageClassifierModule CreateModule(FashionResnetConfig config, int channels, int classes, int size) =>
        new FashionResnetModule(config, channels, classes);
}
