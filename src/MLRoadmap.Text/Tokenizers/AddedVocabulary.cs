namespace MLRoadmap.Text.Tokenizers;

/// <summary>
/// The added tokens of a tokenizer and their ids, and the matching that cuts them out of text before anything else
/// sees it: leftmost match first, the longest token at a position winning.
/// </summary>
public sealed class AddedVocabulary
{
    private readonly List<(AddedToken Token, int Id)> _tokens = [];
    private readonly Dictionary<string, int> _idsByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedToken> _tokensById = [];
    private Dictionary<char, (AddedToken Token, int Id)[]>? _raw;
    private Dictionary<char, (AddedToken Token, int Id)[]>? _normalized;

    /// <summary>The added tokens in the order they were added.</summary>
    public IReadOnlyList<(AddedToken Token, int Id)> Tokens => _tokens;

    public int Count => _tokens.Count;

    /// <summary>Adds <paramref name="token"/> with <paramref name="id"/>; a token already added is left as it is.</summary>
    /// <exception cref="ArgumentException">the id is taken by another added token, or the content is empty</exception>
    public void Add(AddedToken token, int id)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (string.IsNullOrEmpty(token.Content)) throw new ArgumentException("an added token needs content", nameof(token));
        if (_idsByContent.ContainsKey(token.Content)) return;
        if (_tokensById.TryGetValue(id, out var other))
            throw new ArgumentException($"added token '{token.Content}' has id {id}, already given to '{other.Content}'");
        _tokens.Add((token, id));
        _idsByContent[token.Content] = id;
        _tokensById[id] = token;
        _raw = _normalized = null;
    }

    public int? TokenToId(string content) => _idsByContent.TryGetValue(content, out var id) ? id : null;

    public AddedToken? this[int id] => _tokensById.GetValueOrDefault(id);

    /// <summary>Whether <paramref name="id"/> is a special added token.</summary>
    public bool IsSpecial(int id) => _tokensById.TryGetValue(id, out var t) && t.Special;

    /// <summary>One more than the largest added id (0 when none).</summary>
    public int IdLimit => _tokens.Count == 0 ? 0 : _tokens.Max(t => t.Id) + 1;

    /// <summary>
    /// Cuts the tokens matched on raw text (<paramref name="normalizedPass"/> false) or on normalized text (true)
    /// out of <paramref name="text"/>, appending text pieces (id -1) and tokens, in order, to <paramref name="output"/>.
    /// </summary>
    internal void Split(string text, bool normalizedPass, List<Segment> output)
    {
        var table = normalizedPass ? _normalized ??= Build(true) : _raw ??= Build(false);
        if (table.Count == 0)
        {
            if (text.Length > 0) output.Add(new Segment(0, text.Length, -1));
            return;
        }
        var pending = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (!table.TryGetValue(text[i], out var candidates) || Match(text, i, candidates) is not var (token, id))
            {
                i++;
                continue;
            }
            var start = i;
            var end = i + token.Content.Length;
            if (token.LStrip)
                while (start > pending && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RStrip)
                while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > pending) output.Add(new Segment(pending, start - pending, -1));
            output.Add(new Segment(start, end - start, id));
            pending = i = end;
        }
        if (pending < text.Length) output.Add(new Segment(pending, text.Length - pending, -1));
    }

    private static (AddedToken, int)? Match(string text, int i, (AddedToken Token, int Id)[] candidates)
    {
        // Candidates are longest first, so the first that fits is the longest match here.
        foreach (var (token, id) in candidates)
        {
            if (!text.AsSpan(i).StartsWith(token.Content, StringComparison.Ordinal)) continue;
            if (token.SingleWord)
            {
                var end = i + token.Content.Length;
                if (i > 0 && IsWordChar(text[i - 1]) || end < text.Length && IsWordChar(text[end])) continue;
            }
            return (token, id);
        }
        return null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private Dictionary<char, (AddedToken, int)[]> Build(bool normalized) =>
        _tokens.Where(t => t.Token.Normalized == normalized)
            .GroupBy(t => t.Token.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Token.Content.Length).ToArray());
}

/// <summary>A piece of text (<see cref="TokenId"/> -1) or a matched added token.</summary>
internal readonly record struct Segment(int Start, int Length, int TokenId);
