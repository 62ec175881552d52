namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>fashion-cnn: a small CNN classifying Fashion-MNIST (or MNIST, or CIFAR-10, by <c>data.path</c>); the
/// README beside this file has the numbers. The data side is <see cref="ImageRecipe{TConfig, TModel}"/>.</summary>
public sealed class FashionCnnRecipe : ImageRecipe<FashionCnnConfig, CnnSettings>
{
    public override string Name => "fashion-cnn";

    public override string Description => "small CNN on Fashion-MNIST (MNIST or CIFAR-10 by data.path); the main vision recipe";

    protected override ImageClassifierModule CreateModule(FashionCnnConfig config, int channels, int classes, int size) =>
        new FashionCnnModule(config, channels, classes, size);
}
