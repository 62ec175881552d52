using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data.Readers;

/// <summary>Text classification layouts (class folders, aclImdb, CSV) in deterministic order, plain corpora, and
/// invalid UTF-8 named by file and offset.</summary>
public class TextTests
{
    [Fact]
    public void Class_folders_sorted_ordinally_with_files_sorted_within()
    {
        using var dir = new TempDir();
        dir.Write("sport/b.txt", "match");
        dir.Write("sport/a.txt", "goal");
        dir.Write("Politics/x.txt", "vote");        // 'P' sorts before 's' in ordinal order
        dir.Write("sport/notes.md", "ignored");
        dir.Write("tech/10.txt", "ten");
        dir.Write("tech/9.txt", "nine");            // ordinal: "10.txt" < "9.txt"
        var ds = TextDataset.FromFolders(dir.Path);
        Assert.Equal(["Politics", "sport", "tech"], ds.ClassNames);
        Assert.Equal(5, ds.Count);
        Assert.Equal(
            [new TextExample("vote", 0), new("goal", 1), new("match", 1), new("ten", 2), new("nine", 2)],
            Enumerable.Range(0, ds.Count).Select(i => ds[i]));
        Assert.Equal([0, 1, 1, 2, 2], ds.Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds[5]);
    }

    [Fact]
    public void Imdb_layout_reads_neg_and_pos_and_ignores_unsup()
    {
        using var dir = new TempDir();
        dir.Write("aclImdb/train/pos/0_9.txt", "great <br />film");
        dir.Write("aclImdb/train/neg/1_2.txt", "dull");
        dir.Write("aclImdb/train/neg/0_3.txt", "meh");
        dir.Write("aclImdb/train/unsup/0_0.txt", "unlabelled");
        dir.Write("aclImdb/train/labeledBow.feat", "0 0:1");
        dir.Write("aclImdb/test/pos/5_8.txt", "fine");
        dir.Write("aclImdb/test/neg/5_1.txt", "bad");
        var train = TextDataset.FromImdb(Path.Combine(dir.Path, "aclImdb"));
        Assert.Equal(["neg", "pos"], train.ClassNames);
        Assert.Equal([new TextExample("meh", 0), new("dull", 0), new("great <br />film", 1)],
            Enumerable.Range(0, train.Count).Select(i => train[i]));
        var test = TextDataset.FromImdb(Path.Combine(dir.Path, "aclImdb"), train: false);
        Assert.Equal([new TextExample("bad", 0), new("fine", 1)], Enumerable.Range(0, test.Count).Select(i => test[i]));
        Assert.Contains("expected the aclImdb layout",
            Assert.Throws<DirectoryNotFoundException>(() => TextDataset.FromImdb(dir.Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_text_and_label_columns_by_name()
    {
        using var dir = new TempDir();
        var path = dir.Write("t.csv", "id,review,sentiment\n1,\"Good, really\",positive\n2,\"Said \"\"no\"\"\nthen left\",negative\n3,ok,positive\n");
        var ds = TextDataset.FromCsv(path, "review", "sentiment");
        Assert.Equal(["negative", "positive"], ds.ClassNames);
        Assert.Null(ds.Paths);
        Assert.Equal([new TextExample("Good, really", 1), new("Said \"no\"\nthen left", 0), new("ok", 1)],
            Enumerable.Range(0, ds.Count).Select(i => ds[i]));
        Assert.Contains("no column named 'text'", Assert.Throws<ArgumentException>(() => TextDataset.FromCsv(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_names_the_file_and_byte_offset_when_read()
    {
        using var dir = new TempDir();
        dir.Write("a/ok.txt", "fine");
        var bad = dir.Write("b/bad.txt", [.. "caf"u8, 0xE9, .. " au lait"u8]);  // Latin-1 é
        var ds = TextDataset.FromFolders(dir.Path);
        Assert.Equal("fine", ds[0].Text);
        Assert.Equal($"{bad}: invalid UTF-8 at byte 3 (bytes 0xE9 0x20 0x61 0x75)",
            Assert.Throws<InvalidDataException>(() => ds[1]).Message);
        var cut = dir.Write("cut.txt", [.. "ok "u8, 0xE2, 0x82]);  // a 3-byte sequence cut short at the end
        Assert.Equal($"{cut}: invalid UTF-8 at byte 3 (bytes 0xE2 0x82)", Assert.Throws<InvalidDataException>(() => TextCorpus.Read(cut)).Message);
    }

    [Fact]
    public void A_corpus_is_a_file_or_a_directory_joined_in_ordinal_order()
    {
        using var dir = new TempDir();
        var one = dir.Write("c/b.txt", [0xEF, 0xBB, 0xBF, .. "second ünïcode\n"u8]);  // BOM dropped
        dir.Write("c/a.txt", "first");                                              // no trailing newline: one is added
        dir.Write("c/sub/c.txt", "third\n");
        Assert.Equal("second ünïcode\n", TextCorpus.Read(one));
        Assert.Equal("first\nsecond ünïcode\nthird\n", TextCorpus.Read(Path.Combine(dir.Path, "c")));
        Assert.Equal("third\n", TextCorpus.Read(Path.Combine(dir.Path, "c"), "c.*"));
        Assert.Throws<FileNotFoundException>(() => TextCorpus.Read(Path.Combine(dir.Path, "missing")));
    }

    [Fact]
    public void Empty_class_folders_are_refused()
    {
        using var dir = new TempDir();
        dir.Write("a/x.txt", "x");
        Directory.CreateDirectory(Path.Combine(dir.Path, "b"));
        Assert.Contains($"class folder {Path.Combine(dir.Path, "b")} holds no files matching '*.txt'",
            Assert.Throws<InvalidDataException>(() => TextDataset.FromFolders(dir.Path)).Message, StringComparison.Ordinal);
    }
}
