using System.Diagnostics.CodeAnalysis;

namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// A token-to-id map and its inverse. Ids need not be dense (HF files may leave gaps), but each is used once.
/// Lookups by <see cref="ReadOnlySpan{T}"/> allocate nothing.
/// </summary>
public sealed class Vocabulary
{
    // Ids above this are refused: a vocabulary that large is a corrupt file, and the inverse table is an array.
    private const int MaxId = 16_777_216;

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;
    private readonly string?[] _tokens;

    /// <summary>Builds a vocabulary; <paramref name="entries"/> must not repeat a token or an id.</summary>
    /// <exception cref="ArgumentException">a repeated token or id, a negative or huge id</exception>
    public Vocabulary(IEnumerable<KeyValuePair<string, int>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var max = -1;
        foreach (var (token, id) in entries)
        {
            ArgumentNullException.ThrowIfNull(token);
            if (id is < 0 or > MaxId) throw new ArgumentException($"token '{token}' has id {id}, outside 0..{MaxId}");
            if (!_ids.TryAdd(token, id)) throw new ArgumentException($"token '{token}' appears twice");
            max = Math.Max(max, id);
        }
        _tokens = new string?[max + 1];
        foreach (var (token, id) in _ids)
        {
            if (_tokens[id] is { } other)
                throw new ArgumentException($"id {id} is given to both '{other}' and '{token}'");
            _tokens[id] = token;
        }
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The number of tokens.</summary>
    public int Count => _ids.Count;

    /// <summary>One more than the largest id (equal to <see cref="Count"/> when ids are dense).</summary>
    public int IdLimit => _tokens.Length;

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanIds.TryGetValue(token, out id);

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    public int? TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    public bool TryGetToken(int id, [NotNullWhen(true)] out string? token)
    {
        token = IdToToken(id);
        return token != null;
    }

    /// <summary>The tokens in id order (gaps skipped).</summary>
    public IEnumerable<KeyValuePair<string, int>> InIdOrder()
    {
        for (var id = 0; id < _tokens.Length; id++)
            if (_tokens[id] is { } t) yield return new KeyValuePair<string, int>(t, id);
    }
}
