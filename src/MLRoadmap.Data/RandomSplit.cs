namespace MLRoadmap.Data;

/// <summary>Splits a dataset held in tensors into two at random (PyTorch's <c>random_split</c> for two parts).</summary>
public static class RandomSplit
{
    /// <summary>(train, val): a permutation drawn from <paramref name="seed"/> alone (so every run with that seed holds
    /// out the same examples), its first <c>round(N · valFraction)</c> examples (at least one) for validation, the
    /// rest for training. The caller owns both new datasets; <paramref name="all"/> is left as it was.</summary>
    public static (TensorDataset Train, TensorDataset Val) TrainVal(TensorDataset all, double valFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(all);
        if (!(valFraction > 0 && valFraction < 1)) throw new ArgumentOutOfRangeException(nameof(valFraction), $"the validation fraction must be in (0, 1), not {valFraction}");
        var n = all.Count;
        var valCount = Math.Max(1, (int)Math.Round(n * valFraction));
        if (valCount >= n) throw new ArgumentException($"{n} examples leave none for training after {valCount} for validation; use more data");
        var order = new int[n];
        for (var i = 0; i < n; i++) order[i] = i;
        new DataRandom(seed, 0, 0).Shuffle(order);
        using var scope = Torch.NewDisposeScope();
        return (Take(all, order.AsSpan(valCount)), Take(all, order.AsSpan(0, valCount)));
    }

    private static TensorDataset Take(TensorDataset all, ReadOnlySpan<int> rows)
    {
        var index = Torch.Tensor(rows.ToArray().Select(i => (long)i).ToArray());
        return new TensorDataset([.. all.Tensors.Select(t => t.IndexSelect(0, index))]);
    }
}
