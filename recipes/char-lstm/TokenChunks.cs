using MLRoadmap.Data;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>A split's token stream as training examples: chunk i reads tokens i·T … i·T+T−1 and predicts the next
/// token at each, i·T+1 … i·T+T, so every token but the first is predicted exactly once. The last chunk is padded
/// (input 0, target −100) where the stream runs out.</summary>
public static class TokenChunks
{
    /// <summary>A dataset of (input (T), target (T)) int64 rows.</summary>
    public static TensorDataset Create(IReadOnlyList<int> ids, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        if (ids.Count < 2) throw new InvalidDataException($"a split of {ids.Count} token(s) has nothing to predict");
        var predicted = ids.Count - 1;
        var chunks = (predicted + seqLen - 1) / seqLen;
        var input = new long[chunks * seqLen];
        var target = new long[chunks * seqLen];
        Array.Fill(target, BitsPerUnit.Ignore);
        for (var i = 0; i < predicted; i++)
        {
            input[i] = ids[i];
            target[i] = ids[i + 1];
        }
        using var scope = Torch.NewDisposeScope();
        return new TensorDataset(Torch.Tensor(input, [chunks, seqLen]), Torch.Tensor(target, [chunks, seqLen]));
    }
}
