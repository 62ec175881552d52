using Batch = MLRoadmap.Data.Batch;
using DataRandom = MLRoadmap.Data.DataRandom;
using RandomSequenceCrop = MLRoadmap.Data.Transforms.RandomSequenceCrop;
using MLRoadmap.Recipes.CharLstm;
using MLRoadmap.Training.Recipes;
using F = MLRoadmap.NN.Functional;

namespace MLRoadmap.Tests.Recipes;

/// <summary>
/// The language-model recipes' data side: reading fortune files, text files and folders into items; the fixed split
/// by item; the chunks every token but the first is predicted from; bits per character and per byte on cases worked
/// by hand; and clear refusals of empty, non-UTF-8 and missing corpora and of prompts outside a character vocabulary.
/// </summary>
public sealed class LanguageModelDataTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mlr-lm-data-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Fortune_files_split_at_percent_lines_keeping_the_separator_and_dropping_control_characters()
    {
        var path = Write("f", "First\r\n\tline two\r\n%\n\n%\nSec_\bond\a\n%\nlast without a percent\n");
        var corpus = TextCorpus.Read(path);
        Assert.Equal(["First\n\tline two\n%\n", "Second\n%\n", "last without a percent\n%\n"], corpus.Items);
        Assert.Equal("%\n", corpus.Boundary);
    }

    [Fact]
    public void Text_files_split_at_blank_lines_and_folders_read_their_txt_files_in_order()
    {
        Write("books/b.txt", "Para two.\n\n\n\nPara three\nstill three.\n");
        Write("books/a.txt", "\uFEFFPara one.\n");
        Write("books/ignored.md", "not read\n");
        var corpus = TextCorpus.Read(Path.Combine(_root, "books"));
        Assert.Equal(["Para one.\n\n", "Para two.\n\n", "Para three\nstill three.\n\n"], corpus.Items);
        Assert.Equal("\n\n", corpus.Boundary);
    }

    [Fact]
    public void A_fortunes_folder_skips_indexes_links_and_ascii_art()
    {
        Write("fortunes/zippy", "z1\n%\nz2\n%\n");
        Write("fortunes/zippy.dat", "\u0002binary index");
        Write("fortunes/zippy.u8", "z1\n%\n");
        Write("fortunes/ascii-art", "/\\_/\\\n%\n");
        Write("fortunes/art", "a1\n%\n");
        Assert.Equal(["a1\n%\n", "z1\n%\n", "z2\n%\n"], TextCorpus.Read(Path.Combine(_root, "fortunes")).Items);
        Assert.Equal(["a1\n%\n", "z1\n%\n"], TextCorpus.Read(Path.Combine(_root, "fortunes"), limit: 2).Items);
    }

    [Fact]
    public void The_split_is_by_item_fixed_by_its_seed_disjoint_and_complete()
    {
        var path = Write("many", string.Concat(Enumerable.Range(0, 100).Select(i => $"item {i}\n%\n")));
        var corpus = TextCorpus.Read(path);
        var (train, val, test) = corpus.Split(0.1, 0.05, seed: 7);
        Assert.Equal((85, 10, 5), (train.Count, val.Count, test.Count));
        Assert.Equal(corpus.Items.Order(StringComparer.Ordinal), train.Concat(val).Concat(test).Order(StringComparer.Ordinal));
        foreach (var part in new[] { train, val, test })   // each keeps source order
            Assert.Equal(part.OrderBy(s => int.Parse(s[5..^3], System.Globalization.CultureInfo.InvariantCulture)), part);
        var again = corpus.Split(0.1, 0.05, seed: 7);
        Assert.Equal(val, again.Val);
        Assert.Equal(test, again.Test);
        Assert.NotEqual(val, corpus.Split(0.1, 0.05, seed: 8).Val);
        Assert.Throws<InvalidDataException>(() => TextCorpus.Read(Write("two", "a\n%\nb\n%\n")).Split(0.4, 0.4, 0));
    }

    [Fact]
    public void Empty_missing_and_non_utf8_corpora_are_refused_by_name()
    {
        var empty = Write("empty.txt", "  \n\n\t\n");
        Assert.Contains("empty.txt: no text to train on", Assert.Throws<InvalidDataException>(() => TextCorpus.Read(empty)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => TextCorpus.Read(Path.Combine(_root, "nowhere"))).Message, StringComparison.Ordinal);
        var latin1 = Path.Combine(_root, "latin1.txt");
        File.WriteAllBytes(latin1, [(byte)'o', (byte)'k', 0xE9, (byte)'\n']);
        Assert.Contains("latin1.txt: not UTF-8 (invalid bytes at offset 2)", Assert.Throws<InvalidDataException>(() => TextCorpus.Read(latin1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chunks_predict_every_token_but_the_first_once_and_pad_the_last()
    {
        using var set = TokenChunks.Create([5, 6, 7, 8, 9, 10, 11], seqLen: 4);
        Assert.Equal([5L, 6, 7, 8, 9, 10, 0, 0], set.Tensors[0].ToArray<long>());      // inputs, (2, 4)
        Assert.Equal([6L, 7, 8, 9, 10, 11, -100, -100], set.Tensors[1].ToArray<long>());
        Assert.Equal([2L, 4], set.Tensors[0].Shape);
        Assert.Throws<InvalidDataException>(() => TokenChunks.Create([3], 4));
    }

    [Fact]
    public void Random_offsets_serve_every_chunking_and_predict_each_token_once_per_epoch_on_average()
    {
        // 11 tokens, 10 predicted, T = 4: 3 spans of 2T − 1 = 7 tokens from 0, 4 and 8, padded past the text.
        int[] ids = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30];
        using var set = TokenChunks.Spans(ids, seqLen: 4);
        Assert.Equal([3L, 7], set.Tensors[0].Shape);
        Assert.Equal([20L, 21, 22, 23, 24, 25, 26, 24, 25, 26, 27, 28, 29, 0, 28, 29, 0, 0, 0, 0, 0], set.Tensors[0].ToArray<long>());
        Assert.Equal([21L, 22, 23, 24, 25, 26, 27, 25, 26, 27, 28, 29, 30, -100, 29, 30, -100, -100, -100, -100, -100],
            set.Tensors[1].ToArray<long>());

        // Cropped as the gpt's loader does, over many epochs: every window is a run of T consecutive tokens with its
        // targets one on, all T offsets occur, and the tokens past the first chunk are each predicted once an epoch on
        // average (the first chunk's k-th token (k + 1)/T times).
        var crop = new RandomSequenceCrop(4);
        var counts = new double[ids.Length];
        var offsets = new HashSet<long>();
        const int Epochs = 4000;
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            using var batch = new Batch(set.Tensors[0].Clone(), set.Tensors[1].Clone());
            crop.Apply(batch, new DataRandom(9, epoch, 0));
            Assert.Equal([3L, 4], batch.Input.Shape);
            var input = batch.Input.ToArray<long>();
            var target = batch.Target.ToArray<long>();
            for (var r = 0; r < 3; r++)
            {
                if (input[r * 4] != 0) offsets.Add(input[r * 4] - 20 - 4 * r);
                for (var j = 0; j < 4; j++)
                {
                    if (target[r * 4 + j] == -100) continue;
                    Assert.Equal(input[r * 4 + j] + 1, target[r * 4 + j]);
                    counts[target[r * 4 + j] - 20]++;
                }
            }
        }
        Assert.Equal([0L, 1, 2, 3], offsets.Order());
        Assert.Equal(0, counts[0]);
        for (var k = 1; k < ids.Length; k++)
        {
            var expected = k <= 4 ? k / 4.0 : 1.0;
            Assert.InRange(counts[k] / Epochs, expected - 0.04, expected + 0.04);
        }
    }

    [Fact]
    public void Streams_lay_out_contiguous_text_so_each_batch_row_continues_the_row_of_the_batch_before()
    {
        // 11 tokens, 10 predicted: 3 streams of 4, 4 and 2 predicted tokens, in chunks of 3 (2 chunks a stream).
        int[] ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        using var set = TokenChunks.Streams(ids, seqLen: 3, streams: 3);
        Assert.Equal([6L, 3], set.Tensors[0].Shape);
        var input = set.Tensors[0].ToArray<long>();
        var target = set.Tensors[1].ToArray<long>();
        // Batch 0 (rows 0-2): each stream's first chunk; batch 1 (rows 3-5): each stream's second.
        Assert.Equal([0L, 1, 2, 4, 5, 6, 8, 9, 0, 3, 0, 0, 7, 0, 0, 0, 0, 0], input);
        Assert.Equal([1L, 2, 3, 5, 6, 7, 9, 10, -100, 4, -100, -100, 8, -100, -100, -100, -100, -100], target);
        // Every token but the first is predicted exactly once, whatever the number of streams and chunk length.
        foreach (var (t, b) in new[] { (1, 1), (4, 2), (5, 3), (7, 7), (2, 20) })
        {
            using var s = TokenChunks.Streams(ids, t, b);
            var predicted = s.Tensors[1].ToArray<long>().Where(x => x != -100).Order();
            Assert.Equal(ids.Skip(1).Select(x => (long)x), predicted);
            Assert.Equal(0, s.Tensors[0].Size(0) % b);
        }
        Assert.Throws<InvalidDataException>(() => TokenChunks.Streams([3], 4, 2));
    }

    [Fact]
    public void Sliding_windows_score_each_token_once_with_at_least_seq_len_minus_stride_of_context()
    {
        // 10 tokens, 9 predicted, windows of 4 every 2: rows start at 0, 2, 4, 6; row 0 scores 4 targets, the rest 2.
        int[] ids = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
        using var set = TokenChunks.Windows(ids, seqLen: 4, stride: 2);
        Assert.Equal([10L, 11, 12, 13, 12, 13, 14, 15, 14, 15, 16, 17, 16, 17, 18, 0], set.Tensors[0].ToArray<long>());
        Assert.Equal([11L, 12, 13, 14, -100, -100, 15, 16, -100, -100, 17, 18, -100, -100, 19, -100], set.Tensors[1].ToArray<long>());
        foreach (var (t, s) in new[] { (1, 1), (3, 1), (5, 2), (4, 4), (20, 7), (3, 3) })
        {
            using var w = TokenChunks.Windows(ids, t, s);
            var target = w.Tensors[1].ToArray<long>();
            Assert.Equal(ids.Skip(1).Select(x => (long)x), target.Where(x => x != -100).Order());
            // A scored position past the first window has at least t − s tokens of the window before it.
            for (var r = 1; r < w.Tensors[1].Size(0); r++)
                for (var j = 0; j < t - s; j++) Assert.Equal(-100, target[r * t + j]);
        }
        using (var same = TokenChunks.Windows(ids, 4, 4))
        using (var chunks = TokenChunks.Create(ids, 4))
            Assert.Equal(chunks.Tensors[1].ToArray<long>(), same.Tensors[1].ToArray<long>());
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenChunks.Windows(ids, 4, 5));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Validation_with_carried_state_reads_each_stream_as_one_text(bool carry)
    {
        // 60 fortunes read in 4 streams of chunks of 8 characters: with the state carried across batches, val_loss
        // must be the loss of reading each whole stream in one call; without it, of reading each chunk from zeros.
        var text = string.Concat(Enumerable.Range(0, 60).Select(i => $"fortune {i}: {new string((char)('a' + i % 26), i % 7 + 1)}.\n%\n"));
        var config = new CharLstmConfig
        {
            Data = new LmData { Path = Write("streams.txt", text), BatchSize = 4, SeqLen = 8, ValFraction = 0.2, TestFraction = 0.1 },
            Model = new CharLstmSettings { HiddenSize = 12, Layers = 2, Dropout = 0, CarryState = carry },
        };
        var recipe = new CharLstmRecipe();
        Training.Trainer.SeedEverything(3);
        using var module = (CharLstmModule)recipe.CreateModule(config);
        using var data = recipe.LoadData(config, DataSplits.Val);
        var logged = new Training.Trainer(RunSetup.TrainerOptions(config, runDirectory: null)).Validate(module, data.Val!);

        var p = recipe.Prepare(config);
        var ids = p.Vocabulary.Encode(p.Corpus.Boundary + string.Concat(p.Val));
        var predicted = ids.Length - 1;
        var span = carry ? (predicted + 3) / 4 : 8;                                     // tokens read in one call
        double nats = 0;
        module.Eval();
        using (Torch.NoGrad())
        {
            for (var start = 0; start < predicted; start += span)
            {
                using var scope = Torch.NewDisposeScope();
                var n = Math.Min(span, predicted - start);
                var input = Torch.Tensor([.. ids.Skip(start).Take(n).Select(i => (long)i)], [1, n]);
                var target = Torch.Tensor([.. ids.Skip(start + 1).Take(n).Select(i => (long)i)]);
                nats += F.CrossEntropy(module.Net.Forward(input).Reshape(n, -1), target, reduction: NN.Reduction.Sum).Item<double>();
            }
        }
        Assert.True(predicted > 4 * 8 * 2, $"the split is long enough for several batches ({predicted} tokens)");
        Assert.Equal(nats / predicted, logged["val_loss"], 5);
        Assert.Equal(nats / predicted / Math.Log(2), logged["val_bpc"], 5);
    }

    [Fact]
    public void Bits_are_summed_nats_over_ln2_over_the_characters_or_bytes_predicted()
    {
        // Targets 0 and 1 with probabilities 1/2 and 1/4: 1 + 2 = 3 bits. Token 0 stands for 1 character of 1 byte,
        // token 1 for 1 character of 2 bytes (an "é"); the padded third target counts for nothing.
        using var scope = Torch.NewDisposeScope();
        var logits = Torch.Tensor([0.5, 0.25, 0.125, 0.125, 0.125, 0.25, 0.5, 0.125, 0.25, 0.25, 0.25, 0.25], [3, 4]).Log();
        var target = Torch.Tensor([0L, 1, -100]);
        var nats = F.CrossEntropy(logits, target, ignoreIndex: -100, reduction: NN.Reduction.None);   // the module's call
        using var bpc = new BitsPerUnit("bpc", [1, 1, 1, 1]);
        using var bpb = new BitsPerUnit("bpb", [1, 2, 2, 2]);
        bpc.Update(nats, target);
        bpb.Update(nats, target);
        Assert.Equal(3.0 / 2, bpc.Compute(), 12);
        Assert.Equal(3.0 / 3, bpb.Compute(), 12);
    }

    [Fact]
    public void Vocabularies_count_characters_and_bytes_per_token()
    {
        var chars = LmVocabulary.Characters(["abé\n"]);
        Assert.Equal("char", chars.Kind);
        Assert.Equal(6, chars.Size);                                   // <pad> <unk> \n a b é
        Assert.All(chars.CharLengths, l => Assert.Equal(1, l));
        Assert.Equal(2, chars.ByteLengths[chars.Encode("é")[0]]);
        Assert.Equal(["☃", "ü"], chars.Unknown("a☃bü☃"));

        var bpe = LmVocabulary.BytePairs(Enumerable.Repeat("héhé héhé\n", 50), vocabSize: 262);
        Assert.Empty(bpe.Unknown("anything ☃"));
        var ids = bpe.Encode("héhé héhé\nx☃");
        Assert.Equal("héhé héhé\nx☃", bpe.Decode(ids));
        Assert.Equal(12, ids.Sum(i => bpe.CharLengths[i]));           // code points
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount("héhé héhé\nx☃"), ids.Sum(i => bpe.ByteLengths[i]));
        Assert.True(ids.Length < 16);                                  // merges learned
        Assert.NotEqual(chars.Fingerprint, LmVocabulary.Characters(["abè\n"]).Fingerprint);
        Assert.Equal(chars.Fingerprint, LmVocabulary.Characters(["bé\na"]).Fingerprint);
    }
}
