namespace MLRoadmap.Models;

/// <summary>
/// The next token of an autoregressive language model, from its last step's logits: temperature, top-k, then a
/// draw from the softmax. Shared by the zoo's language models (GPT, the LSTM LM) and their predict commands.
/// </summary>
/// <remarks>
/// The draw is an inverse-CDF lookup with a uniform number from <see cref="Random"/>, not torch.multinomial: the
/// caller's <c>new Random(seed)</c> then fixes the sample on any device without touching the global generator
/// that dropout and initialisation draw from, and one uniform per row costs nothing next to a forward pass.
/// </remarks>
public static class Sampling
{
    /// <summary>One token per row of <paramref name="logits"/> (B, V) → (B, 1) int64, in the current scope.</summary>
    /// <param name="logits">Unnormalised scores of the next token, (B, V).</param>
    /// <param name="temperature">Divides the logits: below 1 sharpens the distribution, above 1 flattens it;
    /// 0 picks the most likely token (greedy decoding, no draw).</param>
    /// <param name="topK">Draw only among the k highest logits (ties with the k-th included); null or 0: all V.</param>
    /// <param name="random">The uniform numbers (one per row); null: <see cref="Random.Shared"/>, not repeatable.</param>
    /// <exception cref="InvalidOperationException">a row holds NaN or is −inf everywhere (with a temperature above 0)</exception>
    public static Tensor Next(Tensor logits, double temperature = 1.0, int? topK = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Dim != 2)
            throw new ArgumentException($"Sampling.Next expects logits of shape (B, V), got [{string.Join(", ", logits.Shape)}]", nameof(logits));
        var (batch, vocab) = (logits.Size(0), logits.Size(1));
        if (vocab < 1) throw new ArgumentException("Sampling.Next got logits over an empty vocabulary (V = 0)", nameof(logits));
        CheckSettings(temperature, topK, vocab);
        if (temperature == 0) return logits.Argmax(-1, keepDim: true);          // (B, 1)

        using var scope = Torch.NewDisposeScope();
        // float64 from here on: a cumulative sum over tens of thousands of float32 probabilities loses the tail.
        var scaled = logits.To(ScalarType.Float64) / temperature;                // (B, V)
        if (topK is { } k and > 0 && k < vocab)
        {
            var kth = scaled.Topk(k).Values.Narrow(1, k - 1, 1);                 // (B, 1)
            scaled = scaled.MaskedFill(scaled < kth, double.NegativeInfinity);
        }
        var cdf = scaled.Softmax(-1).Cumsum(-1);                                  // (B, V), non-decreasing
        // A row of NaN or all −inf has no distribution (softmax gives NaN): say so rather than draw token 0.
        if (!cdf.Narrow(1, vocab - 1, 1).IsFinite().All().Item<bool>())
            throw new InvalidOperationException("Sampling.Next: a row of logits holds NaN or is −inf everywhere, so there is no distribution " +
                                                "to draw from (the model's weights or inputs have diverged)");

        // u in (0, 1]: the first index whose cumulative probability reaches u·total is drawn with that index's
        // probability, and a zero-probability token (masked by top-k) can never be the first to reach it.
        var u = new double[batch];
        var rng = random ?? Random.Shared;
        for (var i = 0; i < u.Length; i++) u[i] = 1.0 - rng.NextDouble();
        var target = Torch.Tensor(u, [batch, 1], logits.Device) * cdf.Narrow(1, vocab - 1, 1);   // (B, 1)
        var index = (cdf < target).Sum(1, keepDim: true, dtype: ScalarType.Int64);              // (B, 1)
        return index.ClampMax(vocab - 1).MoveToOuterScope();
    }

    /// <summary>Refuses a temperature below 0 (or not a number) and a top-k outside 0..V, naming the value.</summary>
    public static void CheckSettings(double temperature, int? topK, long vocabSize)
    {
        if (temperature < 0 || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"temperature must be a finite number ≥ 0 (0 = greedy), got {temperature}");
        if (topK is { } k && (k < 0 || k > vocabSize))
            throw new ArgumentOutOfRangeException(nameof(topK), k,
                $"topK must be between 1 and the vocabulary size {vocabSize} (or 0/null for all tokens), got {k}");
    }
}
