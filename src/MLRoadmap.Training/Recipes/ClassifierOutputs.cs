namespace MLRoadmap.Training.Recipes;

/// <summary>Decoding a classifier's outputs into labelled predictions.</summary>
public static class ClassifierOutputs
{
    /// <summary>The <paramref name="topK"/> most likely classes of each row of <paramref name="probabilities"/>
    /// (N, C), best first, named by <paramref name="classes"/>.</summary>
    public static IReadOnlyList<Prediction> TopK(Tensor probabilities, IReadOnlyList<string> names, IReadOnlyList<string> classes, int topK)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(classes);
        if (probabilities.Dim != 2 || probabilities.Size(1) != classes.Count || probabilities.Size(0) != names.Count)
            throw new ArgumentException($"expected outputs of shape [{names.Count}, {classes.Count}], got [{string.Join(", ", probabilities.Shape)}]", nameof(probabilities));
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "top-k needs k ≥ 1");
        var k = Math.Min(topK, classes.Count);
        using var scope = Torch.NewDisposeScope();
        var (values, indices) = probabilities.To(ScalarType.Float64).Topk(k, dim: 1);   // (N, k)
        var v = values.Contiguous().ToArray<double>();
        var ix = indices.Contiguous().ToArray<long>();
        var result = new Prediction[names.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var top = new (string, double)[k];
            for (var j = 0; j < k; j++) top[j] = (classes[(int)ix[i * k + j]], v[i * k + j]);
            result[i] = new Prediction(names[i], top);
        }
        return result;
    }
}
