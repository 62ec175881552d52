using System.Text.RegularExpressions;
using MLRoadmap.NN;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Recipes.TextLstm;

/// <summary>
/// The bag-of-words baseline the text recipes must beat: sklearn's <c>TfidfVectorizer()</c> with its defaults
/// (lower-cased words of two or more word characters, smoothed idf, l2-normalised rows) and a multinomial
/// <c>LogisticRegression(C)</c> (L2 on the weights, not the intercept), fitted to the optimum of the same convex
/// objective, C·Σ cross-entropy + ½‖W‖², by L-BFGS in float64. The documents stay sparse: (document, term, weight)
/// triples, so an aclImdb-sized set is a few million entries.
/// </summary>
public sealed partial class BowBaseline : IDisposable
{
    private readonly Dictionary<string, int> _vocabulary;
    private readonly double[] _idf;
    private readonly Tensor _weights;   // (F, C) float64
    private readonly Tensor _bias;      // (C) float64

    private BowBaseline(Dictionary<string, int> vocabulary, double[] idf, Tensor weights, Tensor bias)
    {
        _vocabulary = vocabulary;
        _idf = idf;
        _weights = weights;
        _bias = bias;
    }

    /// <summary>Fits the vectorizer and the classifier to labelled texts.</summary>
    public static BowBaseline Fit(IReadOnlyList<string> texts, IReadOnlyList<int> labels, int classes, double c = 1.0, int maxIterations = 500)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        var tokenized = texts.Select(Words).ToArray();
        // Terms in sorted order, as sklearn's vocabulary_ numbers them.
        var terms = tokenized.SelectMany(t => t).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var vocabulary = terms.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var df = new int[terms.Length];
        foreach (var doc in tokenized)
            foreach (var term in doc.Distinct(StringComparer.Ordinal)) df[vocabulary[term]]++;
        var n = texts.Count;
        var idf = df.Select(d => Math.Log((1.0 + n) / (1.0 + d)) + 1.0).ToArray();

        using var scope = Torch.NewDisposeScope();
        var (docs, cols, values) = Vectorize(tokenized, vocabulary, idf);
        var y = Torch.Tensor(labels.Select(l => (long)l).ToArray());
        var w = Torch.Zeros([terms.Length, classes], ScalarType.Float64);
        var b = Torch.Zeros([classes], ScalarType.Float64);
        Lbfgs.Minimize([w, b], () =>
        {
            var logits = Scores(docs, cols, values, n, w, b);
            return F.CrossEntropy(logits, y, reduction: Reduction.Sum).Mul(c).Add(w.Square().Sum().Mul(0.5));
        }, maxIterations);
        return new BowBaseline(vocabulary, idf, w.DetachFromDisposeScope(), b.DetachFromDisposeScope());
    }

    /// <summary>Class probabilities (N, C) float64.</summary>
    public Tensor PredictProbabilities(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        var (docs, cols, values) = Vectorize(texts.Select(Words).ToArray(), _vocabulary, _idf);
        return Scores(docs, cols, values, texts.Count, _weights, _bias).Softmax(1).MoveToOuterScope();
    }

    public void Dispose()
    {
        _weights.Dispose();
        _bias.Dispose();
    }

    // X·W + b for sparse X given as triples: each entry's weight row scaled, summed into its document's row.
    private static Tensor Scores(Tensor docs, Tensor cols, Tensor values, int n, Tensor w, Tensor b)
    {
        var contributions = w.IndexSelect(0, cols).Mul(values.Unsqueeze(1));              // (nnz, C)
        return Torch.Zeros([n, w.Size(1)], ScalarType.Float64).IndexPut([docs], contributions, accumulate: true).Add(b);
    }

    // TF-IDF rows, l2-normalised; terms outside the vocabulary are dropped (as sklearn's transform does).
    private static (Tensor Docs, Tensor Cols, Tensor Values) Vectorize(string[][] tokenized, Dictionary<string, int> vocabulary, double[] idf)
    {
        var docs = new List<long>();
        var cols = new List<long>();
        var values = new List<double>();
        var counts = new Dictionary<int, int>();
        for (var d = 0; d < tokenized.Length; d++)
        {
            counts.Clear();
            foreach (var term in tokenized[d])
                if (vocabulary.TryGetValue(term, out var id)) counts[id] = counts.GetValueOrDefault(id) + 1;
            var norm = Math.Sqrt(counts.Sum(kv => Math.Pow(kv.Value * idf[kv.Key], 2)));
            foreach (var (id, count) in counts.OrderBy(kv => kv.Key))
            {
                docs.Add(d);
                cols.Add(id);
                values.Add(count * idf[id] / norm);
            }
        }
        return (Torch.Tensor(docs.ToArray()), Torch.Tensor(cols.ToArray()), Torch.Tensor(values.ToArray()));
    }

    /// <summary>sklearn's default tokens: token_pattern r"(?u)\b\w\w+\b" after lower-casing.</summary>
    public static string[] Words(string text) => WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

    [GeneratedRegex(@"\b\w\w+\b")]
    private static partial Regex WordPattern();
}
