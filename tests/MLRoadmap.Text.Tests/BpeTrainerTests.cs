using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>Our BPE trainer against Hugging Face's, and the properties a trained tokenizer must have.</summary>
public class BpeTrainerTests
{
    [Fact]
    public void Learns_the_merges_hugging_faces_trainer_learns_from_the_same_corpus()
    {
        // HF's trainer as its Node binding runs it: vocabulary 30000, no initial alphabet, no special tokens.
        var trainer = new BpeTrainer { InitialAlphabet = [] };
        var ours = (BpeModel)ByteLevelBpe.TrainFromFiles([Corpus], trainer).Model;
        var hf = (BpeModel)Shared("hf-bpe-trained").Model;

        Assert.Equal(hf.Vocab.Count, ours.Vocab.Count);
        Assert.Equal(hf.Vocab.InIdOrder(), ours.Vocab.InIdOrder());
        Assert.Equal(hf.Merges.Count, ours.Merges.Count);
        for (var i = 0; i < hf.Merges.Count; i++)
            Assert.True(hf.Merges[i] == ours.Merges[i], $"merge {i}: HF {hf.Merges[i]}, ours {ours.Merges[i]}");
    }

    [Fact]
    public void A_smaller_vocabulary_is_a_prefix_of_the_merges()
    {
        var hf = (BpeModel)Shared("hf-bpe-trained").Model;
        var alphabet = hf.Vocab.Count - hf.Merges.Count;
        var ours = new BpeTrainer { InitialAlphabet = [], VocabSize = alphabet + 300 }
            .Train(ByteLevelBpe.ReadLines([Corpus]), new ByteLevelPreTokenizer());
        Assert.Equal(alphabet + 300, ours.Vocab.Count);
        Assert.Equal(hf.Merges.Take(300), ours.Merges);
    }

    [Fact]
    public void Each_merge_is_the_most_frequent_pair_with_ties_to_the_smallest_ids()
    {
        // A brute-force trainer: count every adjacent pair afresh at each step.
        var counts = new Dictionary<string, long> { ["abab"] = 3, ["abc"] = 2, ["bcbc"] = 2, ["cab"] = 1, ["aaaa"] = 2 };
        var model = new BpeTrainer { InitialAlphabet = [], VocabSize = 20 }.Train(counts);
        var words = counts.ToDictionary(kv => kv.Key, kv => kv.Key.Select(c => c.ToString()).ToList());
        foreach (var merge in model.Merges)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (word, symbols) in words)
                for (var i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + counts[word];
            var best = pairs.Max(kv => kv.Value);
            var expected = pairs.Where(kv => kv.Value == best)
                .OrderBy(kv => model.Vocab.TokenToId(kv.Key.Item1)).ThenBy(kv => model.Vocab.TokenToId(kv.Key.Item2)).First().Key;
            Assert.Equal(expected, merge);
            foreach (var symbols in words.Values)
                for (var i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == merge.Left && symbols[i + 1] == merge.Right)
                    {
                        symbols[i] += symbols[i + 1];
                        symbols.RemoveAt(i + 1);
                    }
        }
        Assert.True(words.Values.All(s => s.Count == 1), "training stops only when no pair is left (or the vocabulary is full)");
    }

    [Fact]
    public void Special_tokens_come_first_and_the_byte_alphabet_makes_any_text_encodable()
    {
        var tokenizer = ByteLevelBpe.Train(ByteLevelBpe.ReadLines([Corpus]),
            new BpeTrainer { VocabSize = 600, SpecialTokens = [SpecialTokens.EndOfText, "<pad>"] });
        Assert.Equal(0, tokenizer.TokenToId(SpecialTokens.EndOfText));
        Assert.Equal(1, tokenizer.TokenToId("<pad>"));
        Assert.Equal(600, tokenizer.VocabSize);
        // The 256 byte characters follow, in code point order.
        var alphabet = ByteLevelAlphabet.Characters.Order().ToArray();
        for (var i = 0; i < 256; i++) Assert.Equal(i + 2, tokenizer.TokenToId(alphabet[i].ToString()));
        const string text = "Ωμέγα ∑ 🤖 \u0000 text the corpus never had<|endoftext|>";
        var ids = tokenizer.Encode(text).Ids;
        Assert.Equal(0, ids[^1]);
        Assert.Equal(text, tokenizer.Decode(ids, skipSpecialTokens: false));
        Assert.Equal(text[..^SpecialTokens.EndOfText.Length], tokenizer.Decode(ids));
    }

    [Fact]
    public void Min_frequency_stops_training_at_rare_pairs()
    {
        var counts = new Dictionary<string, long> { ["ab"] = 5, ["cd"] = 2, ["ef"] = 1 };
        var model = new BpeTrainer { InitialAlphabet = [], MinFrequency = 2 }.Train(counts);
        Assert.Equal([("a", "b"), ("c", "d")], model.Merges);
    }
}
