using MLRoadmap.Data;
using MLRoadmap.Training.Recipes;

namespace MLRoadmap.Tests.Recipes;

/// <summary>RecipeDataBuilder: a load that throws halfway frees every dataset it had made, test loader included; a
/// completed one hands them all to the RecipeData, which frees them when disposed.</summary>
public sealed class RecipeDataBuilderTests
{
    private static TensorDataset Set() => new(Torch.Zeros([4, 2]), Torch.Zeros([4]));

    [Fact]
    public void A_load_that_fails_halfway_frees_what_it_made()
    {
        TensorDataset? train = null, test = null;
        void Load()
        {
            using var data = new RecipeDataBuilder();
            train = data.Own(Set());
            data.Train = new DataLoader(train, new DataLoaderOptions { BatchSize = 2 });
            test = data.Own(Set());
            data.Test = new DataLoader(test, new DataLoaderOptions { BatchSize = 2 });
            throw new InvalidDataException("the validation file is corrupt");
        }
        Assert.Throws<InvalidDataException>(Load);
        Assert.True(train!.Tensors.All(t => t.IsDisposed));
        Assert.True(test!.Tensors.All(t => t.IsDisposed));
    }

    [Fact]
    public void Build_hands_everything_to_the_result()
    {
        var set = Set();
        RecipeData result;
        using (var data = new RecipeDataBuilder())
        {
            data.Val = new DataLoader(data.Own(set), new DataLoaderOptions { BatchSize = 2 });
            result = data.Build();
            Assert.Throws<ObjectDisposedException>(() => data.Own(Set()));
        }
        Assert.DoesNotContain(set.Tensors, t => t.IsDisposed);   // the builder's using freed nothing
        Assert.Equal(2, result.Val!.Length);
        Assert.Null(result.Train);
        result.Dispose();
        Assert.True(set.Tensors.All(t => t.IsDisposed));
    }
}
