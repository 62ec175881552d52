using MLRoadmap.Models;

namespace MLRoadmap.Recipes.FashionCnn;

/// <summary>The zoo's small CNN (models/MLRoadmap.Models/SmallCnn.cs) sized from the recipe's <c>model.*</c> keys.</summary>
internal static class CnnModel
{
    public static SmallCnn Create(CnnSettings s, int channels, int classes, int imageSize) => new(new SmallCnnOptions
    {
        InChannels = channels,
        NumClasses = classes,
        ImageSize = imageSize,
        Widths = [s.Width, 2 * s.Width, 4 * s.Width],
        Dropout = s.Dropout,
    });
}
