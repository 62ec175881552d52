namespace MLRoadmap.Metrics;

/// <summary>
/// Coefficient of determination R² = 1 − Σ(target − pred)² / Σ(target − mean)², per output, averaged uniformly
/// (sklearn's <c>r2_score</c>). Name "r2".
/// </summary>
/// <remarks>
/// <para>The total sum of squares is merged batch by batch from each batch's mean and centred sum of squares
/// (Chan et al.'s pairwise update) rather than from Σy² − (Σy)²/n, which cancels catastrophically when the mean is
/// large against the spread. State: <c>count</c>, <c>mean</c>, <c>m2</c> (centred sum of squares) and
/// <c>ss_res</c>, each [D] float64.</para>
/// <para>As sklearn's default <c>force_finite=True</c>: an output with zero residual scores 1, one with a constant
/// target but nonzero residual scores 0. With fewer than two rows R² is NaN, as in sklearn.</para>
/// </remarks>
public sealed class R2Score : RegressionMetric
{
    public R2Score() : base("r2", "mean", "m2", "ss_res")
    {
    }

    private protected override void AccumulateRows(Tensor preds, Tensor target)
    {
        double before = Count, rows = target.Size(0), after = before + rows;
        var batchMean = target.Mean(0);                                     // (D)
        var batchM2 = target.Sub(batchMean).Square_().Sum(0);               // (D)
        var delta = batchMean.Sub_(State["mean"]);                          // (D) batch mean − running mean
        State["mean"].Add_(delta, rows / after);
        State["m2"].Add_(batchM2).Add_(delta.Square_(), before * rows / after);
        State["ss_res"].Add_(target.Sub(preds).Square_().Sum(0));
    }

    protected override double ComputeValue()
    {
        RequireSamples(Count);
        if (Count < 2) return double.NaN;
        var residual = Read("ss_res");
        var total = Read("m2");
        var scores = new double[residual.Length];
        for (var i = 0; i < scores.Length; i++)
            scores[i] = residual[i] == 0 ? 1.0 : total[i] == 0 ? 0.0 : 1 - residual[i] / total[i];
        return scores.Average();
    }
}
