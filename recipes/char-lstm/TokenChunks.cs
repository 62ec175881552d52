using MLRoadmap.Data;

namespace MLRoadmap.Recipes.CharLstm;

/// <summary>
/// A split's token stream as training examples of (input (T), target (T)) int64 rows, where a target is the input one
/// token on. Every token but the first is predicted exactly once; a chunk is padded (input 0, target −100) where its
/// text runs out. Two layouts:
/// <list type="bullet">
/// <item><see cref="Create"/>: independent chunks, chunk i reading tokens i·T … i·T+T−1; each is read from a fresh
/// state, so they may be shuffled (the GPT's layout).</item>
/// <item><see cref="Streams"/>: the stream cut into B contiguous streams read side by side, batch i holding the i-th
/// chunk of each, so a recurrent model can carry its state from one batch into the next and read each stream as
/// one text (PyTorch's word_language_model "batchify"; Keras' stateful RNNs).</item>
/// <item><see cref="Windows"/>: overlapping chunks for evaluating a model of fixed context (a transformer), each
/// predicting only the tokens the one before did not, so every prediction but the first chunk's sees at least
/// T − stride tokens of context (Hugging Face's sliding-window perplexity).</item>
/// </list>
/// </summary>
public static class TokenChunks
{
    /// <summary>Independent chunks of <paramref name="seqLen"/> tokens: row i predicts tokens i·T+1 … i·T+T.</summary>
    public static TensorDataset Create(IReadOnlyList<int> ids, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        var predicted = Predicted(ids);
        var chunks = (predicted + seqLen - 1) / seqLen;
        return Rows(ids, seqLen, chunks, row => (row * seqLen, predicted));
    }

    /// <summary>
    /// Spans of 2T − 1 tokens: row i reads from i·T on, so a window of T at offset o ∈ [0, T) predicts tokens
    /// i·T + o + 1 … i·T + o + T. With o uniform, each token falls in one window per epoch on average (in row i's with
    /// probability (k + 1)/T, in row i − 1's with (T − 1 − k)/T, k being its place in its chunk), and every chunking
    /// of the stream is served, not just one.
    /// </summary>
    public static TensorDataset Spans(IReadOnlyList<int> ids, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        var predicted = Predicted(ids);
        var chunks = (predicted + seqLen - 1) / seqLen;
        return Rows(ids, 2 * seqLen - 1, chunks, row => (row * seqLen, predicted));
    }

    /// <summary>
    /// <paramref name="streams"/> contiguous streams of ⌈(N−1)/B⌉ predicted tokens each (the last ones shorter, or
    /// empty, when the text is short), chunked by <paramref name="seqLen"/>, laid out chunk-major: row i·B + b is chunk
    /// i of stream b. Read in order in batches of B rows, batch i continues each row of batch i−1.
    /// </summary>
    public static TensorDataset Streams(IReadOnlyList<int> ids, int seqLen, int streams)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        var predicted = Predicted(ids);
        var perStream = (predicted + streams - 1) / streams;
        var chunksPerStream = (perStream + seqLen - 1) / seqLen;
        return Rows(ids, seqLen, chunksPerStream * streams, row =>
        {
            var (chunk, stream) = Math.DivRem(row, streams);
            var start = stream * perStream;
            return (start + chunk * seqLen, Math.Min(start + perStream, predicted));
        });
    }

    /// <summary>
    /// Chunks of <paramref name="seqLen"/> tokens starting every <paramref name="stride"/> tokens: row i reads from
    /// i·S and predicts (targets not −100) only positions past (i−1)·S + T, the ones row i−1 did not, so each token but
    /// the first is predicted exactly once. <paramref name="stride"/> = T is <see cref="Create"/>.
    /// </summary>
    public static TensorDataset Windows(IReadOnlyList<int> ids, int seqLen, int stride)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 1);
        if (stride < 1 || stride > seqLen) throw new ArgumentOutOfRangeException(nameof(stride), stride, $"the stride must be between 1 and the chunk length {seqLen}");
        var predicted = Predicted(ids);
        var rows = predicted <= seqLen ? 1 : 1 + (predicted - seqLen + stride - 1) / stride;
        var set = Rows(ids, seqLen, rows, row => (row * stride, predicted));
        if (stride == seqLen) return set;
        // Row i > 0 predicts its last S positions only; the ones before are context, already predicted by row i − 1.
        var target = set.Tensors[1];
        using var scope = Torch.NewDisposeScope();
        target.Narrow(0, 1, rows - 1).Narrow(1, 0, seqLen - stride).Fill_(BitsPerUnit.Ignore);
        return set;
    }

    private static int Predicted(IReadOnlyList<int> ids) =>
        ids.Count >= 2 ? ids.Count - 1 : throw new InvalidDataException($"a split of {ids.Count} token(s) has nothing to predict");

    // Row r reads input positions from its (first, end) on, up to T of them before end; the rest is padding.
    private static TensorDataset Rows(IReadOnlyList<int> ids, int seqLen, int rows, Func<int, (int First, int End)> span)
    {
        var input = new long[(long)rows * seqLen];
        var target = new long[(long)rows * seqLen];
        Array.Fill(target, BitsPerUnit.Ignore);
        for (var r = 0; r < rows; r++)
        {
            var (first, end) = span(r);
            var n = Math.Clamp(end - first, 0, seqLen);
            for (var j = 0; j < n; j++)
            {
                input[(long)r * seqLen + j] = ids[first + j];
                target[(long)r * seqLen + j] = ids[first + j + 1];
            }
        }
        using var scope = Torch.NewDisposeScope();
        return new TensorDataset(Torch.Tensor(input, [rows, seqLen]), Torch.Tensor(target, [rows, seqLen]));
    }
}
