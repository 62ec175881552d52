using System.Text.Json;
using MLRoadmap.Recipes.TextLstm;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// The text recipes' bag-of-words baseline against sklearn (tests/fixtures/text/make_bow_baseline_fixture.py):
/// TfidfVectorizer() + LogisticRegression(C=1) on a small corpus of overlapping classes. Both minimise the same
/// strictly convex objective, whose optimum is unique; sklearn stops at a gradient tolerance of 1e-10 and ours when
/// no gradient element exceeds 1e-6, so the probabilities agree to about 1e-6 and the 1e-4 bound only allows for
/// that. A different vectorizer (tokens, idf, normalisation) or penalty moves them by 1e-2 or more.
/// </summary>
public sealed class TextBaselineTests
{
    private sealed record Fixture(
        List<string> train_texts, List<int> train_labels, List<string> test_texts, List<int> test_labels, List<string> classes,
        List<List<double>> test_probabilities, List<int> test_predictions, double test_accuracy);

    [Fact]
    public void Tfidf_logistic_regression_matches_sklearn_probabilities()
    {
        var f = JsonSerializer.Deserialize<Fixture>(File.ReadAllText(Path.Combine(Repo.Fixtures, "text", "bow_baseline.json")))!;
        using var baseline = BowBaseline.Fit(f.train_texts, f.train_labels, f.classes.Count);
        using var probabilities = baseline.PredictProbabilities(f.test_texts);
        var p = probabilities.Contiguous().ToArray<double>();
        var worst = 0.0;
        for (var i = 0; i < f.test_texts.Count; i++)
            for (var c = 0; c < f.classes.Count; c++)
                worst = Math.Max(worst, Math.Abs(p[i * f.classes.Count + c] - f.test_probabilities[i][c]));
        Assert.True(worst < 1e-4, $"largest probability difference from sklearn: {worst}");
        var predictions = Enumerable.Range(0, f.test_texts.Count)
            .Select(i => Enumerable.Range(0, f.classes.Count).MaxBy(c => p[i * f.classes.Count + c])).ToList();
        Assert.Equal(f.test_predictions, predictions);
        Assert.Equal(f.test_accuracy, predictions.Zip(f.test_labels).Count(t => t.First == t.Second) / (double)f.test_labels.Count, 12);
    }

    [Fact]
    public void Words_are_sklearns_default_tokens()
    {
        // token_pattern (?u)\b\w\w+\b after lower-casing: one-letter words and punctuation go.
        Assert.Equal(["hello", "world", "it", "don", "x2", "émile"], BowBaseline.Words("Hello, World! It's a don't x2 Émile"));
    }
}
