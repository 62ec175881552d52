using System.Runtime.InteropServices;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// Learns BPE merges from a corpus the way Hugging Face's BpeTrainer does, so the same corpus gives the same
/// vocabulary and merges: words are counted, the vocabulary starts with the special tokens and then the alphabet
/// in code point order, and each step merges the most frequent adjacent pair (ties to the pair of smallest ids)
/// into a new token, until the vocabulary has <see cref="VocabSize"/> tokens or no pair is left.
/// </summary>
public sealed class BpeTrainer
{
    /// <summary>The vocabulary size to reach (special tokens and alphabet included).</summary>
    public int VocabSize { get; init; } = 30_000;

    /// <summary>Pairs seen fewer times than this are not merged.</summary>
    public long MinFrequency { get; init; }

    /// <summary>Tokens that take the first ids (in this order) and are added as special tokens.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>
    /// Characters always in the alphabet. The default, the 256 characters of <see cref="ByteLevelAlphabet"/>, lets a
    /// byte-level tokenizer encode any string, whatever bytes the corpus lacks (HF's trainer starts empty unless
    /// given this, as Python's ByteLevelBPETokenizer does).
    /// </summary>
    public IReadOnlyCollection<char> InitialAlphabet { get; init; } = [.. ByteLevelAlphabet.Characters];

    /// <summary>Keep at most this many characters: the initial alphabet first, then the corpus's most frequent.</summary>
    public int? LimitAlphabet { get; init; }

    /// <summary>Learns a model from <paramref name="texts"/>, split into words by <paramref name="preTokenizer"/>.</summary>
    public BpeModel Train(IEnumerable<string> texts, IPreTokenizer preTokenizer, INormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(preTokenizer);
        return Train(CountWords(texts, preTokenizer, normalizer));
    }

    /// <summary>Learns a model from word counts (words as the model sees them: byte-mapped for byte-level BPE).</summary>
    public BpeModel Train(IReadOnlyDictionary<string, long> wordCounts)
    {
        ArgumentNullException.ThrowIfNull(wordCounts);
        var tokens = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var special in SpecialTokens)
            if (ids.TryAdd(special, tokens.Count)) tokens.Add(special);
        foreach (var c in Alphabet(wordCounts))
            if (ids.TryAdd(c, tokens.Count)) tokens.Add(c);

        // Words as id sequences, with their counts; characters outside the alphabet are left out.
        var words = new List<int[]>(wordCounts.Count);
        var counts = new List<long>(wordCounts.Count);
        foreach (var (word, count) in wordCounts)
        {
            var symbols = new List<int>(word.Length);
            foreach (var ch in Characters(word))
                if (ids.TryGetValue(ch, out var id)) symbols.Add(id);
            words.Add([.. symbols]);
            counts.Add(count);
        }

        var merges = new List<(string, string)>();
        var pairCounts = new Dictionary<long, long>();
        var initial = new Dictionary<long, HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            var s = words[w];
            for (var i = 0; i + 1 < s.Length; i++)
            {
                var pair = Pair(s[i], s[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += counts[w];
                (CollectionsMarshal.GetValueRefOrAddDefault(initial, pair, out _) ??= []).Add(w);
            }
        }
        // Each queue entry carries the words it was found in; a pair can have several entries (HF's bookkeeping,
        // kept so merges come out in the same order). The priority orders by count, then by smallest pair.
        var queue = new PriorityQueue<Candidate, (long NegCount, long Pair)>();
        foreach (var (pair, where) in initial)
            if (pairCounts[pair] > 0) queue.Enqueue(new Candidate(pair, pairCounts[pair], where), (-pairCounts[pair], pair));

        var changes = new List<(long Pair, int Delta, int Word)>();
        var toUpdate = new Dictionary<long, HashSet<int>>();
        while (tokens.Count < VocabSize && queue.TryDequeue(out var top, out _))
        {
            var current = pairCounts[top.Pair];
            if (top.Count != current)
            {
                queue.Enqueue(top with { Count = current }, (-current, top.Pair));
                continue;
            }
            if (top.Count < 1 || top.Count < MinFrequency) break;

            var (a, b) = ((int)(top.Pair >> 32), (int)top.Pair);
            var merged = tokens[a] + tokens[b];
            if (!ids.TryGetValue(merged, out var newId))
            {
                newId = tokens.Count;
                ids[merged] = newId;
                tokens.Add(merged);
            }
            merges.Add((tokens[a], tokens[b]));

            changes.Clear();
            foreach (var w in top.Words) MergeWord(words, w, a, b, newId, changes);
            foreach (var (pair, delta, w) in changes)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += delta * counts[w];
                if (delta > 0) (CollectionsMarshal.GetValueRefOrAddDefault(toUpdate, pair, out _) ??= []).Add(w);
            }
            foreach (var (pair, where) in toUpdate)
                if (pairCounts[pair] > 0) queue.Enqueue(new Candidate(pair, pairCounts[pair], where), (-pairCounts[pair], pair));
            toUpdate.Clear();
        }

        var vocab = new Vocabulary(tokens.Select((t, i) => new KeyValuePair<string, int>(t, i)));
        return new BpeModel(vocab, merges);
    }

    /// <summary>Counts the words of <paramref name="texts"/> as <paramref name="preTokenizer"/> makes them.</summary>
    public static Dictionary<string, long> CountWords(IEnumerable<string> texts, IPreTokenizer preTokenizer,
        INormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(preTokenizer);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var words = new List<Range>();
        foreach (var text in texts)
        {
            words.Clear();
            var source = preTokenizer.PreTokenize(normalizer?.Normalize(text) ?? text, words);
            foreach (var w in words)
                CollectionsMarshal.GetValueRefOrAddDefault(bySpan, source.AsSpan()[w], out _)++;
        }
        return counts;
    }

    /// <summary>The alphabet: the corpus's characters and the initial ones (when limited, the initial ones and
    /// then the most frequent), in code point order.</summary>
    private List<string> Alphabet(IReadOnlyDictionary<string, long> wordCounts)
    {
        var frequency = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (word, count) in wordCounts)
            foreach (var c in Characters(word))
                CollectionsMarshal.GetValueRefOrAddDefault(frequency, c, out _) += count;
        foreach (var c in InitialAlphabet) frequency[c.ToString()] = long.MaxValue;
        IEnumerable<string> kept = frequency.Keys;
        if (LimitAlphabet is { } limit && frequency.Count > limit)
            kept = frequency.OrderByDescending(kv => kv.Value).ThenBy(kv => CodePoint(kv.Key))
                .Take(limit).Select(kv => kv.Key);
        return [.. kept.OrderBy(c => CodePoint(c))];
    }

    /// <summary>The characters (code points) of a word as strings.</summary>
    private static IEnumerable<string> Characters(string word)
    {
        for (var i = 0; i < word.Length;)
        {
            var width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            yield return word.Substring(i, width);
            i += width;
        }
    }

    /// <summary>
    /// Merges every (a, b) in word <paramref name="w"/>, left to right, recording how the counts of the pairs
    /// around each merge change: the pairs it breaks lose one, the pairs it makes gain one.
    /// </summary>
    private static void MergeWord(List<int[]> words, int w, int a, int b, int merged, List<(long, int, int)> changes)
    {
        var s = words[w];
        var write = 0;
        var read = 0;
        while (read < s.Length)
        {
            if (read + 1 < s.Length && s[read] == a && s[read + 1] == b)
            {
                if (write > 0)
                {
                    changes.Add((Pair(s[write - 1], a), -1, w));
                    changes.Add((Pair(s[write - 1], merged), 1, w));
                }
                s[write++] = merged;
                read += 2;
                if (read < s.Length)
                {
                    changes.Add((Pair(b, s[read]), -1, w));
                    changes.Add((Pair(merged, s[read]), 1, w));
                }
            }
            else s[write++] = s[read++];
        }
        if (write < s.Length) words[w] = s[..write];
    }

    private static int CodePoint(string c) => c.Length == 2 && char.IsSurrogatePair(c[0], c[1]) ? char.ConvertToUtf32(c[0], c[1]) : c[0];

    private static long Pair(int a, int b) => ((long)a << 32) | (uint)b;

    private sealed record Candidate(long Pair, long Count, HashSet<int> Words);
}
