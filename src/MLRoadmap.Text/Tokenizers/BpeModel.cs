using System.Collections.Concurrent;
using System.Text;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Byte-pair encoding: a word starts as its characters, and the adjacent pair with the lowest merge rank is merged
/// until no pair has a merge (ties go to the leftmost pair). Words already seen come from a cache.
/// </summary>
public sealed class BpeModel : ITokenizerModel
{
    private const int CacheCapacity = 100_000;

    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cached; // ConcurrentDictionary.Count takes every lock: counted here instead

    /// <summary>A BPE model over <paramref name="vocab"/> with <paramref name="merges"/> in rank order.</summary>
    /// <param name="unkToken">the token characters outside the vocabulary become (none: they are dropped, as HF does)</param>
    /// <param name="fuseUnknown">consecutive unknown characters become one unknown token</param>
    /// <param name="ignoreMerges">a word that is itself in the vocabulary is taken whole, without merging</param>
    /// <exception cref="ArgumentException">a merge names a token outside the vocabulary, or its result is not in
    /// it; the unknown token is not in the vocabulary</exception>
    public BpeModel(Vocabulary vocab, IReadOnlyList<(string Left, string Right)> merges, string? unkToken = null,
        bool fuseUnknown = false, bool ignoreMerges = false)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(merges);
        Vocab = vocab;
        UnkToken = unkToken;
        FuseUnknown = fuseUnknown;
        IgnoreMerges = ignoreMerges;
        if (unkToken != null)
            UnkId = vocab.TokenToId(unkToken) ?? throw new ArgumentException($"unk_token '{unkToken}' is not in the vocabulary");
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var a = vocab.TokenToId(left) ?? throw new ArgumentException($"merge {rank} ('{left}' '{right}'): '{left}' is not in the vocabulary");
            var b = vocab.TokenToId(right) ?? throw new ArgumentException($"merge {rank} ('{left}' '{right}'): '{right}' is not in the vocabulary");
            var merged = vocab.TokenToId(left + right) ?? throw new ArgumentException(
                $"merge {rank} ('{left}' '{right}'): the merged token '{left + right}' is not in the vocabulary");
            // A repeated merge keeps its first (lowest) rank.
            _merges.TryAdd(Key(a, b), (rank, merged));
        }
        Merges = merges;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public Vocabulary Vocab { get; }

    /// <summary>The merges in rank order, as given.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    public string? UnkToken { get; }

    public int? UnkId { get; }

    public bool FuseUnknown { get; }

    public bool IgnoreMerges { get; }

    public void Tokenize(ReadOnlySpan<char> word, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (word.IsEmpty) return;
        if (_cacheBySpan.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var result = IgnoreMerges && Vocab.TryGetId(word, out var whole) ? [whole] : Merge(word);
        if (Volatile.Read(ref _cached) < CacheCapacity && _cacheBySpan.TryAdd(word, result)) Interlocked.Increment(ref _cached);
        ids.AddRange(result);
    }

    private int[] Merge(ReadOnlySpan<char> word)
    {
        // The word as a linked list of symbols; a symbol is a character (a surrogate pair stays together). The
        // buffers are per thread, reused from word to word.
        var scratch = t_scratch ??= new Scratch();
        scratch.Ensure(word.Length);
        var (symbols, next, prev, queue) = (scratch.Symbols, scratch.Next, scratch.Prev, scratch.Queue);
        queue.Clear();
        var n = 0;
        var lastUnknown = false;
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            if (Vocab.TryGetId(word.Slice(i, width), out var id))
            {
                symbols[n++] = id;
                lastUnknown = false;
            }
            else if (UnkId is { } unk && !(FuseUnknown && lastUnknown))
            {
                symbols[n++] = unk;
                lastUnknown = true;
            }
            i += width;
        }
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        // Candidate merges keyed by (rank, position): the lowest rank first, the leftmost among equal ranks. An
        // entry is stale once either symbol has changed; it is then skipped when popped.
        for (var i = 0; i + 1 < n; i++) Enqueue(queue, symbols, i, i + 1);
        while (queue.TryDequeue(out var left, out var priority))
        {
            var right = next[left];
            if (symbols[left] < 0 || right < 0) continue;
            if (!_merges.TryGetValue(Key(symbols[left], symbols[right]), out var merge) || merge.Rank != (int)(priority >> 32))
                continue;
            symbols[left] = merge.Id;
            symbols[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) Enqueue(queue, symbols, prev[left], left);
            if (next[left] >= 0) Enqueue(queue, symbols, left, next[left]);
        }

        var count = 0;
        for (var i = 0; i < n; i++)
            if (symbols[i] >= 0) count++;
        var result = new int[count];
        count = 0;
        for (var i = 0; i < n; i++)
            if (symbols[i] >= 0) result[count++] = symbols[i];
        return result;
    }

    private void Enqueue(PriorityQueue<int, long> queue, int[] symbols, int left, int right)
    {
        if (_merges.TryGetValue(Key(symbols[left], symbols[right]), out var merge))
            queue.Enqueue(left, ((long)merge.Rank << 32) | (uint)left);
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    private sealed class Scratch
    {
        public int[] Symbols = [], Next = [], Prev = [];
        public readonly PriorityQueue<int, long> Queue = new();

        public void Ensure(int length)
        {
            if (Symbols.Length >= length) return;
            var size = Math.Max(length, 64);
            (Symbols, Next, Prev) = (new int[size], new int[size], new int[size]);
        }
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>A readable summary for error messages and debugging.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("BPE(");
        sb.Append(Vocab.Count).Append(" tokens, ").Append(Merges.Count).Append(" merges");
        if (UnkToken != null) sb.Append(", unk ").Append(UnkToken);
        return sb.Append(')').ToString();
    }
}
