using System.Globalization;

namespace MLRoadmap.Metrics;

/// <summary>Validation of classification batches: (N) integer targets, (N, C) floating scores or (N) integer
/// predicted classes, and the class range.</summary>
/// <remarks>
/// The class range is checked at once on CPU tensors (reading a CPU tensor costs no device synchronisation). On
/// other devices checking would stall the stream on every batch, so out-of-range indices are counted on the device
/// instead, clamped so that no kernel indexes out of bounds, and the metric refuses to compute while the count is
/// not zero.
/// </remarks>
internal static class ClassInputs
{
    /// <summary>Tests set this to take the device path (deferred range check) on CPU tensors.</summary>
    [ThreadStatic] internal static bool DeferRangeChecks;

    public static bool Defers(Tensor t) => DeferRangeChecks || t.Device.Type != DeviceType.CPU;

    /// <summary>(N) integer class indices as int64 (no copy when already int64; never modify the result).</summary>
    public static Tensor Target(Tensor target, string metric)
    {
        if (target.Dim != 1)
            throw new ArgumentException($"{metric}: target must be (N) class indices, got shape {ShapeOf(target)}", nameof(target));
        if (!target.Dtype.IsIntegral())
            throw new ArgumentException($"{metric}: target must hold integer class indices, got {target.Dtype.TorchName()}", nameof(target));
        return target.To(ScalarType.Int64);
    }

    /// <summary>Checks (N, C) floating-point scores with the target's N and, when given, C = <paramref name="classes"/>;
    /// returns C.</summary>
    public static long Scores(Tensor preds, long rows, long? classes, string metric)
    {
        if (preds.Dim != 2)
            throw new ArgumentException($"{metric}: preds must be (N, C) scores, got shape {ShapeOf(preds)}", nameof(preds));
        if (!preds.Dtype.IsFloatingPoint())
            throw new ArgumentException($"{metric}: (N, C) preds must be floating-point scores, got {preds.Dtype.TorchName()}", nameof(preds));
        CheckRows(preds, rows, metric);
        var c = preds.Size(1);
        if (classes is { } expected && c != expected)
            throw new ArgumentException($"{metric}: preds have {c} classes (columns) but the metric was built for {expected}", nameof(preds));
        if (c < 1) throw new ArgumentException($"{metric}: preds have no classes (shape {ShapeOf(preds)})", nameof(preds));
        return c;
    }

    /// <summary>Predicted classes (N) int64: the argmax of (N, C) scores (the first maximum on ties, as torch and
    /// numpy do), or (N) integer class indices as they are.</summary>
    public static Tensor PredictedClasses(Tensor preds, long rows, long? classes, string metric)
    {
        if (preds.Dim == 2)
        {
            Scores(preds, rows, classes, metric);
            return preds.Argmax(1);
        }
        if (preds.Dim != 1)
            throw new ArgumentException($"{metric}: preds must be (N, C) scores or (N) class indices, got shape {ShapeOf(preds)}", nameof(preds));
        if (!preds.Dtype.IsIntegral())
            throw new ArgumentException($"{metric}: (N) preds must be integer class indices, got {preds.Dtype.TorchName()} " +
                "(pass (N, C) scores to take their argmax)", nameof(preds));
        CheckRows(preds, rows, metric);
        return preds.To(ScalarType.Int64);
    }

    /// <summary>Indices that are certainly in [0, classes): on CPU throws for the first one outside; on other devices
    /// adds how many are outside to <paramref name="outOfRange"/> (a 0-dim int64 state) and returns them clamped.</summary>
    public static Tensor InRange(Tensor indices, long classes, string what, string metric, Tensor outOfRange)
    {
        var bad = indices.Lt(0).LogicalOr_(indices.Ge(classes));
        if (Defers(indices))
        {
            outOfRange.Add_(bad.Sum());
            return indices.Clamp(0, classes - 1);
        }
        if (!bad.Any().Item<bool>()) return indices;
        var at = bad.Nonzero().Index([0, 0]).Item<long>();
        var value = indices.Index([at]).Item<long>();
        throw new ArgumentOutOfRangeException(what,
            $"{metric}: {what}[{at}] = {value} is outside the classes [0, {classes})");
    }

    /// <summary>Throws when the device-side count of out-of-range class indices is not zero.</summary>
    public static void RequireNoneOutOfRange(Tensor outOfRange, long? classes, string metric)
    {
        var n = outOfRange.Item<long>();
        if (n != 0)
            throw new InvalidOperationException(
                $"{metric}: {n} class indices (targets or predictions) given since the last Reset were outside " +
                $"[0, {(classes is { } c ? c.ToString(CultureInfo.InvariantCulture) : "C")}); " +
                "they were counted on the device, without stopping the batch (check the data or numClasses)");
    }

    public static void CheckRows(Tensor preds, long rows, string metric)
    {
        var n = preds.Size(0);
        if (n != rows) throw new ArgumentException($"{metric}: preds have {n} rows but target has {rows}", nameof(preds));
    }

    public static string ShapeOf(Tensor t) =>
        "[" + string.Join(", ", t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
