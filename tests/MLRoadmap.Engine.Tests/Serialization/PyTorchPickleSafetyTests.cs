using System.Buffers.Binary;
using System.IO.Compression;
using MLRoadmap.NN;
using MLRoadmap.Serialization;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Serialization;

/// <summary>Malicious pickles are refused by name and run nothing; corrupt files fail with a FormatException naming
/// the file and the fault, never a crash, never a leaked tensor.</summary>
[Collection(SerialTests.Name)]
public class PyTorchPickleSafetyTests
{
    public static TheoryData<string> EvilFiles() => TorchFixtures.Cases(PthFixtures.ExpectedFile, k => k.StartsWith("evil_", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(EvilFiles))]
    public void A_forbidden_global_is_refused_by_name_and_nothing_runs(string name)
    {
        var meta = PthFixtures.Meta(name);
        var global = meta.GetProperty("global").GetString()!;
        var marker = meta.GetProperty("marker").GetString();
        if (marker is not null) File.Delete(marker);
        var path = PthFixtures.Path(name + ".pth");
        var live = Baseline();

        var e = Assert.Throws<ForbiddenGlobalException>(() => PyTorchPickle.Load(path));
        Assert.Equal(global, e.Global);
        Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{global}'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ForbiddenGlobalException>(() => StateDictFile.Load(path));
        using (var module = new Linear(2, 2))
            Assert.Throws<ForbiddenGlobalException>(() => module.LoadPyTorch(path));

        // make_pth_fixtures.py checked that torch.load does create the marker.
        if (marker is not null) Assert.False(File.Exists(marker), $"the payload of {name} ran: {marker} exists");
        Assert.Equal(live, Torch.LiveTensorCount);   // the tensors built before the refusal were freed
    }

    [Fact]
    public void A_TorchScript_archive_is_refused_by_name()
    {
        var path = PthFixtures.Path("torchscript.pt");
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(path));
        Assert.Contains("TorchScript", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dtypes.pth")]
    [InlineData("legacy.pth")]
    public void Every_truncation_fails_cleanly(string file)
    {
        var bytes = File.ReadAllBytes(PthFixtures.Path(file));
        var live = Baseline();
        for (var length = 0; length < bytes.Length; length++)
        {
            using var stream = new MemoryStream(bytes, 0, length, writable: false);
            var e = Assert.ThrowsAny<FormatException>(() => PyTorchPickle.Load(stream, $"{file}[..{length}]"));
            Assert.StartsWith($"{file}[..{length}]: ", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(live, Torch.LiveTensorCount);
    }

    [Fact]
    public void Corrupted_pickle_bytes_fail_cleanly_or_load()
    {
        var pickle = Entry(PthFixtures.Path("checkpoint.pt"), "checkpoint/data.pkl");
        var random = new Random(7);
        var path = TempPath("flipped.pt");
        var live = Baseline();
        for (var trial = 0; trial < 400; trial++)
        {
            var corrupt = (byte[])pickle.Clone();
            for (var k = 0; k < 3; k++) corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            Rewrite(PthFixtures.Path("checkpoint.pt"), path, "checkpoint/data.pkl", corrupt);
            try
            {
                using var contents = PyTorchPickle.Load(path);
            }
            catch (FormatException e)
            {
                Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            }
        }
        File.Delete(path);
        Assert.Equal(live, Torch.LiveTensorCount);
    }

    [Fact]
    public void Corrupted_legacy_files_fail_cleanly_or_load()
    {
        var original = File.ReadAllBytes(PthFixtures.Path("legacy.pth"));
        var random = new Random(11);
        var path = TempPath("flipped_legacy.pth");
        var live = Baseline();
        for (var trial = 0; trial < 400; trial++)
        {
            var corrupt = (byte[])original.Clone();
            for (var k = 0; k < 3; k++) corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            File.WriteAllBytes(path, corrupt);
            try
            {
                using var contents = PyTorchPickle.Load(path);
            }
            catch (FormatException e)
            {
                Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            }
        }
        File.Delete(path);
        Assert.Equal(live, Torch.LiveTensorCount);
    }

    [Fact]
    public void A_missing_data_pkl_is_named()
    {
        var path = TempPath("no_pickle.pth");
        Rewrite(PthFixtures.Path("dtypes.pth"), path, "dtypes/data.pkl", null);
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(path));
        Assert.Contains("missing data.pkl", e.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void A_storage_of_the_wrong_size_or_missing_is_named()
    {
        var original = PthFixtures.Path("dtypes.pth");
        var path = TempPath("short_storage.pth");
        var storage = Entry(original, "dtypes/data/0");
        Rewrite(original, path, "dtypes/data/0", storage[..^4]);
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(path));
        Assert.Contains($"'dtypes/data/0' is {storage.Length - 4} bytes, but a torch.FloatStorage of {storage.Length / 4} elements needs {storage.Length}",
            e.Message, StringComparison.Ordinal);

        Rewrite(original, path, "dtypes/data/3", null);
        e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(path));
        Assert.Contains("storage entry 'dtypes/data/3' is missing", e.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void An_unknown_opcode_is_named_with_its_offset()
    {
        var original = PthFixtures.Path("dtypes.pth");
        var path = TempPath("bad_opcode.pth");
        var pickle = Entry(original, "dtypes/data.pkl");
        Rewrite(original, path, "dtypes/data.pkl", [.. pickle[..2], 0xff, .. pickle[2..]]);
        var e = Assert.Throws<UnpicklingException>(() => PyTorchPickle.Load(path));
        Assert.Equal(2, e.Offset);
        Assert.Equal($"{path}: dtypes/data.pkl: offset 2: unknown or unsupported opcode 0xff: not a pickle opcode", e.Message);
        File.Delete(path);
    }

    [Fact]
    public void An_entry_claiming_more_bytes_than_its_data_can_hold_is_refused_before_allocating()
    {
        // Patch the central directory record of dtypes/data.pkl (stored: compressed = uncompressed size) to claim
        // almost 2 GiB uncompressed.
        var bytes = File.ReadAllBytes(PthFixtures.Path("dtypes.pth"));
        var name = "dtypes/data.pkl"u8;
        var at = -1;
        for (var i = 0; i + 46 + name.Length <= bytes.Length && at < 0; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == 0x02014b50 && bytes.AsSpan(i + 46, name.Length).SequenceEqual(name))
                at = i;
        Assert.True(at >= 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), 0x7fff0000);
        using var stream = new MemoryStream(bytes);
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(stream, "bomb.pth"));
        Assert.Contains("entry 'dtypes/data.pkl' claims 2147418112 bytes from", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_endian_file_is_refused()
    {
        var path = TempPath("big_endian.pth");
        Rewrite(PthFixtures.Path("dtypes.pth"), path, "dtypes/byteorder", "big"u8.ToArray());
        var e = Assert.Throws<FormatException>(() => PyTorchPickle.Load(path));
        Assert.Contains("byteorder is 'big'", e.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void Files_that_are_not_torch_save_files_are_named()
    {
        var path = TempPath("not_torch.bin");
        File.WriteAllBytes(path, "hello, world"u8.ToArray());
        Assert.Contains("not a torch.save file", Assert.Throws<FormatException>(() => PyTorchPickle.Load(path)).Message, StringComparison.Ordinal);
        Assert.Contains("neither a safetensors file nor a torch.save file",
            Assert.Throws<FormatException>(() => StateDictFile.Load(path)).Message, StringComparison.Ordinal);
        // A pickle, but not torch's: Python's pickle.dumps({}, protocol=2).
        File.WriteAllBytes(path, [0x80, 0x02, (byte)'}', (byte)'q', 0x00, (byte)'.']);
        Assert.Contains("not a torch.save file (it does not start with torch's magic number)",
            Assert.Throws<FormatException>(() => PyTorchPickle.Load(path)).Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    /// <summary>The live count with nothing pending in the finalizer queue (a tensor another test forgot must not be
    /// freed mid-measurement).</summary>
    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlr-{Environment.ProcessId}-{name}");

    private static byte[] Entry(string zipPath, string entry)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        using var s = zip.GetEntry(entry)!.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>Copies a zip, replacing (or, with null, dropping) one entry; other entries are copied as they are.</summary>
    private static void Rewrite(string source, string destination, string entry, byte[]? replacement)
    {
        using var input = ZipFile.OpenRead(source);
        File.Delete(destination);
        using var output = ZipFile.Open(destination, ZipArchiveMode.Create);
        var written = false;
        foreach (var e in input.Entries)
        {
            if (e.FullName == entry)
            {
                if (replacement is not null) Write(output, entry, replacement);
                written = true;
                continue;
            }
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            Write(output, e.FullName, m.ToArray());
        }
        if (!written && replacement is not null) Write(output, entry, replacement);
    }

    private static void Write(ZipArchive zip, string name, byte[] data)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(data);
    }
}
