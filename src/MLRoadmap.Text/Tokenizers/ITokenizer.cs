namespace MLRoadmap.Text.Tokenizers;

/// <summary>What a training recipe needs from a tokenizer: text to ids (one text or a batch of tensors) and back.</summary>
public interface ITokenizer
{
    /// <summary>The number of tokens, added tokens included.</summary>
    int VocabSize { get; }

    Encoding Encode(string text, bool addSpecialTokens = true);

    /// <summary>A padded batch: ids and attention mask as (B, T) int64 tensors.</summary>
    BatchEncoding EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = true);

    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true);

    int? TokenToId(string token);

    string? IdToToken(int id);
}
