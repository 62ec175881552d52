namespace MLRoadmap.Metrics;

// Precision = TP / predicted, recall = TP / actual, F1 = 2 P R / (P + R), per class from the confusion matrix and
// combined by an Average. A zero denominator gives 0 (sklearn's default zero_division="warn", which returns 0 and
// warns); F1 is 0 where P + R = 0.

/// <summary>Precision (sklearn's <c>precision_score</c>); see <see cref="Average"/> for the combination and
/// <see cref="ConfusionMatrixMetric"/> for the inputs. Name: "precision_macro", "precision_micro", ...</summary>
public sealed class Precision : ConfusionMatrixMetric
{
    public Precision(long numClasses, Average average = Average.Macro) : base(NameFor("precision", average), numClasses) =>
        Average = CheckAverage(average, numClasses, Name);

    public Average Average { get; }

    /// <summary>Each class's precision, 0 for a class never predicted.</summary>
    public double[] ComputePerClass() => PerClassScores().Precision;

    protected override double ComputeValue() => Averaged(Average).Precision;
}

/// <summary>Recall (sklearn's <c>recall_score</c>); see <see cref="Average"/> for the combination and
/// <see cref="ConfusionMatrixMetric"/> for the inputs. Name: "recall_macro", "recall_micro", ...</summary>
public sealed class Recall : ConfusionMatrixMetric
{
    public Recall(long numClasses, Average average = Average.Macro) : base(NameFor("recall", average), numClasses) =>
        Average = CheckAverage(average, numClasses, Name);

    public Average Average { get; }

    /// <summary>Each class's recall, 0 for a class absent from the targets.</summary>
    public double[] ComputePerClass() => PerClassScores().Recall;

    protected override double ComputeValue() => Averaged(Average).Recall;
}

/// <summary>F1 score (sklearn's <c>f1_score</c>); see <see cref="Average"/> for the combination and
/// <see cref="ConfusionMatrixMetric"/> for the inputs. Name: "f1_macro", "f1_micro", ...</summary>
public sealed class F1Score : ConfusionMatrixMetric
{
    public F1Score(long numClasses, Average average = Average.Macro) : base(NameFor("f1", average), numClasses) =>
        Average = CheckAverage(average, numClasses, Name);

    public Average Average { get; }

    /// <summary>Each class's F1, 0 where its precision and recall are both 0.</summary>
    public double[] ComputePerClass() => PerClassScores().F1;

    protected override double ComputeValue() => Averaged(Average).F1;
}
