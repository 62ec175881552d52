using System.Text;
using System.Text.Json;
using static MLRoadmap.Text.Tests.TokenizerFixtures;

namespace MLRoadmap.Text.Tests;

/// <summary>Padding, truncation and batch tensors, against Hugging Face's encodeBatch with the same settings.</summary>
public class BatchTests
{
    public static TheoryData<string, int> Batches()
    {
        var data = new TheoryData<string, int>();
        foreach (var t in Expected.EnumerateObject())
            for (var i = 0; i < t.Value.GetProperty("batches").GetArrayLength(); i++) data.Add(t.Name, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void Pads_and_truncates_batches_as_hugging_face_does(string name, int index)
    {
        var batch = Expected.GetProperty(name).GetProperty("batches")[index];
        var config = batch.GetProperty("config");
        var tokenizer = Fresh(name);
        tokenizer.Padding = Padding(config.GetProperty("padding"));
        tokenizer.Truncation = Truncation(config.GetProperty("truncation"));
        var inputs = batch.GetProperty("inputs");
        var pairs = config.TryGetProperty("pairs", out _);
        using var result = pairs
            ? tokenizer.EncodeBatch([.. inputs.EnumerateArray().Select(p => (p[0].GetString()!, p[1].GetString()!))])
            : tokenizer.EncodeBatch([.. inputs.EnumerateArray().Select(p => p.GetString()!)]);

        var expected = batch.GetProperty("encodings").EnumerateArray().ToArray();
        var failures = new StringBuilder();
        for (var i = 0; i < expected.Length; i++)
        {
            var e = result.Encodings[i];
            var label = inputs[i].GetRawText();
            OracleTests.Check(failures, label, "ids", Ints(expected[i].GetProperty("ids")), e.Ids);
            OracleTests.Check(failures, label, "tokens", Strings(expected[i].GetProperty("tokens")), e.Tokens);
            OracleTests.Check(failures, label, "type_ids", Ints(expected[i].GetProperty("type_ids")), e.TypeIds);
            OracleTests.Check(failures, label, "attention_mask", Ints(expected[i].GetProperty("attention_mask")), e.AttentionMask);
            OracleTests.Check(failures, label, "special_tokens_mask", Ints(expected[i].GetProperty("special_tokens_mask")), e.SpecialTokensMask);
        }
        Assert.True(failures.Length == 0, $"{name}, batch {index} ({config.GetRawText()}):\n{failures}");

        // The tensors hold the same, (B, T) int64.
        var t = expected[0].GetProperty("ids").GetArrayLength();
        Assert.Equal([expected.Length, t], result.InputIds.Shape);
        Assert.Equal(ScalarType.Int64, result.InputIds.Dtype);
        Assert.Equal(expected.SelectMany(x => Ints(x.GetProperty("ids")).Select(v => (long)v)), result.InputIds.ToArray<long>());
        Assert.Equal(expected.SelectMany(x => Ints(x.GetProperty("attention_mask")).Select(v => (long)v)), result.AttentionMask.ToArray<long>());
        Assert.Equal(expected.SelectMany(x => Ints(x.GetProperty("type_ids")).Select(v => (long)v)), result.TypeIds.ToArray<long>());
    }

    [Fact]
    public void A_batch_owns_its_tensors_and_frees_them()
    {
        var tokenizer = Shared("bert-base-uncased");
        var batch = tokenizer.EncodeBatch(["Hello world!", "A longer sentence than the first one."]);
        Tensor ids;
        using (Torch.NewDisposeScope())
        {
            ids = batch.InputIds;
            _ = batch.AttentionMask;
        }
        Assert.False(ids.IsDisposed);
        Assert.Equal([2L, 10L], ids.Shape);
        batch.Dispose();
        Assert.True(ids.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => batch.TypeIds);
    }

    [Fact]
    public void Texts_of_different_lengths_need_padding_to_batch()
    {
        var gpt2 = Fresh("gpt2");
        var e = Assert.Throws<InvalidOperationException>(() => gpt2.EncodeBatch(["one", "one two three"]));
        Assert.Contains("EnablePadding", e.Message);
        gpt2.EnablePadding(SpecialTokens.EndOfText, fixedLength: 2);
        e = Assert.Throws<InvalidOperationException>(() => gpt2.EncodeBatch(["one", "one two three"]));
        Assert.Contains("fixed padding length 2", e.Message);
        Assert.Throws<ArgumentException>(() => gpt2.EnablePadding("<no such token>"));
    }

    [Fact]
    public void Truncation_that_leaves_no_room_for_special_tokens_is_an_error()
    {
        var bert = Fresh("bert-base-uncased");
        bert.Truncation = new TruncationOptions(1);
        var e = Assert.Throws<InvalidOperationException>(() => bert.Encode("hello"));
        Assert.Contains("adds 2 special tokens", e.Message);
        bert.Truncation = new TruncationOptions(2);
        Assert.Equal(["[CLS]", "[SEP]"], bert.Encode("hello world").Tokens);
    }

    [Fact]
    public void Large_batches_encoded_in_parallel_equal_one_by_one_encodes()
    {
        var gpt2 = Fresh("gpt2");
        gpt2.EnablePadding(SpecialTokens.EndOfText);
        var lines = File.ReadLines(Corpus).Where(l => l.Length > 0).Take(500).ToArray();
        using var batch = gpt2.EncodeBatch(lines);
        Assert.Equal(lines.Length, batch.BatchSize);
        var fresh = Fresh("gpt2");
        for (var i = 0; i < lines.Length; i++)
        {
            var ids = fresh.Encode(lines[i]).Ids;
            Assert.Equal(ids, batch.Encodings[i].Ids.Take(ids.Count));
            Assert.Equal(ids.Count, batch.Encodings[i].AttentionMask.Sum());
        }
    }

    private static PaddingOptions Padding(JsonElement p) => new()
    {
        PadId = p.GetProperty("padId").GetInt32(),
        PadToken = p.GetProperty("padToken").GetString()!,
        Direction = p.TryGetProperty("direction", out var d) && d.GetString() == "left" ? PaddingDirection.Left : PaddingDirection.Right,
        FixedLength = p.TryGetProperty("maxLength", out var m) ? m.GetInt32() : null,
        PadToMultipleOf = p.TryGetProperty("padToMultipleOf", out var k) ? k.GetInt32() : null,
    };

    private static TruncationOptions Truncation(JsonElement t) => new(t.GetProperty("maxLength").GetInt32())
    {
        Direction = t.TryGetProperty("direction", out var d) && d.GetString() == "left" ? TruncationDirection.Left : TruncationDirection.Right,
        Strategy = t.TryGetProperty("strategy", out var s) ? Enum.Parse<TruncationStrategy>(s.GetString()!) : TruncationStrategy.LongestFirst,
    };
}
