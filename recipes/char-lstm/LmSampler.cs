namespace MLRoadmap.Recipes.CharLstm;

/// <summary>Draws the next token from last-step logits: temperature, top-k, then one uniform number from the
/// caller's <see cref="Random"/> against the cumulative distribution, so a seed fixes the text without touching the
/// global generator.</summary>
internal static class LmSampler
{
    /// <summary>(B, V) logits → (B, 1) int64 ids on the logits' device.</summary>
    public static Tensor Next(Tensor logits, double temperature, int? topK, Random random)
    {
        using var scope = Torch.NewDisposeScope();
        var (rows, vocab) = (logits.Size(0), logits.Size(1));
        if (temperature == 0) return logits.Argmax(-1, keepDim: true).MoveToOuterScope();
        var scaled = logits.To(ScalarType.Float64).Div(temperature);                      // (B, V)
        if (topK is { } k and > 0 && k < vocab)
        {
            var kth = scaled.Topk(k).Values.Narrow(1, k - 1, 1);                           // (B, 1)
            scaled = scaled.MaskedFill(scaled.Lt(kth), double.NegativeInfinity);
        }
        var cdf = scaled.Softmax(-1).Cumsum(-1).Cpu().ToArray<double>();                   // (B·V)
        var picked = new long[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = cdf.AsSpan((int)(r * vocab), (int)vocab);
            var u = (1.0 - random.NextDouble()) * row[^1];                                  // (0, total]
            var i = 0;
            while (i < row.Length - 1 && row[i] < u) i++;
            picked[r] = i;
        }
        return Torch.Tensor(picked, [rows, 1], logits.Device).MoveToOuterScope();
    }

    public static void Check(double temperature, int? topK, long vocabSize)
    {
        if (temperature < 0 || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, $"the temperature must be a finite number ≥ 0 (0: always the most likely token), not {temperature}");
        if (topK is { } k && (k < 0 || k > vocabSize))
            throw new ArgumentOutOfRangeException(nameof(topK), k, $"top-k must be between 1 and the vocabulary's {vocabSize} tokens (0 or unset: all), not {k}");
    }
}
