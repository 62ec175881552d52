using System.Text.Json.Nodes;
using MLRoadmap.Training.Checkpoints;

namespace MLRoadmap.Tests.Trainer;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mlr-ckpt-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private CheckpointInfo Write(long step, float fill = 1)
    {
        using var scope = Torch.NewDisposeScope();
        var model = new Dictionary<string, Tensor> { ["layer.weight"] = Torch.Full([3, 2], fill), ["layer.bias"] = Torch.Zeros([3]) };
        var state = new Dictionary<string, Tensor> { ["rng.cpu"] = Torch.Tensor(new byte[] { 1, 2, 3 }) };
        return CheckpointStore.Write(_dir, CheckpointStore.NameFor(0, step),
            new CheckpointData(model, state, new JsonObject { ["format"] = "test", ["step"] = step }, 0, step, "test"));
    }

    [Fact]
    public void A_written_checkpoint_verifies_and_loads_what_was_saved()
    {
        var info = Write(5, fill: 2.5f);
        Assert.Equal(["manifest.json", "model.safetensors", "state.safetensors", "trainer_state.json"],
            Directory.GetFiles(info.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var ckpt = CheckpointStore.Load(info.Path);
        Assert.Equal(5, ckpt.Info.GlobalStep);
        Assert.All(ckpt.Model["layer.weight"].ToArray<float>(), v => Assert.Equal(2.5f, v));
        Assert.Equal(new byte[] { 1, 2, 3 }, ckpt.State["rng.cpu"].ToArray<byte>());
        Assert.Equal(5, (long)ckpt.TrainerState["step"]!);
        Assert.Empty(Directory.GetDirectories(_dir, ".*"));   // no temporary left behind
    }

    [Fact]
    public void Artifacts_are_written_beside_the_weights_checksummed_and_read_back()
    {
        using var scope = Torch.NewDisposeScope();
        var model = new Dictionary<string, Tensor> { ["w"] = Torch.Ones([2]) };
        var artifacts = new Dictionary<string, byte[]> { ["tokenizer.json"] = "{\"model\": 1}"u8.ToArray(), ["classes.txt"] = "a\nb\n"u8.ToArray() };
        var info = CheckpointStore.Write(_dir, "with-artifacts", new CheckpointData(model, [], new JsonObject(), 0, 1, "test", Artifacts: artifacts));
        Assert.Equal(["classes.txt", "tokenizer.json"], Directory.GetFiles(Path.Combine(info.Path, "artifacts")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var read = CheckpointStore.ReadArtifacts(info.Path);
        Assert.Equal(artifacts.Keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in artifacts) Assert.Equal(bytes, read[name]);
        Assert.Empty(CheckpointStore.ReadArtifacts(Write(2).Path));   // a checkpoint without any

        // A changed artifact fails the checkpoint's verification like a changed weights file, and so does a deleted one.
        var file = Path.Combine(info.Path, "artifacts", "classes.txt");
        File.WriteAllText(file, "a\nc\n");
        Assert.Contains("artifacts/classes.txt fails its checksum", Assert.Throws<CheckpointCorruptException>(() => CheckpointStore.Load(info.Path)).Message, StringComparison.Ordinal);
        File.Delete(file);
        Assert.Contains("is missing artifacts/classes.txt", Assert.Throws<CheckpointCorruptException>(() => CheckpointStore.ReadArtifacts(info.Path)).Message, StringComparison.Ordinal);

        // Names stay inside the folder.
        foreach (var bad in new[] { "../escape", ".hidden", "a/b", "" })
            Assert.Throws<ArgumentException>(() => CheckpointStore.Write(_dir, "bad", new CheckpointData(model, [], new JsonObject(), 0, 1, "test",
                Artifacts: new Dictionary<string, byte[]> { [bad] = [1] })));
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));
    }

    [Fact]
    public void A_flipped_byte_fails_the_checksum_naming_the_file()
    {
        var info = Write(1);
        var file = Path.Combine(info.Path, CheckpointStore.ModelFile);
        var bytes = File.ReadAllBytes(file);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointStore.Load(info.Path));
        Assert.Contains("model.safetensors fails its checksum", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_file_is_reported_with_both_sizes()
    {
        var info = Write(1);
        var file = Path.Combine(info.Path, CheckpointStore.StateFile);
        var length = new FileInfo(file).Length;
        using (var f = File.OpenWrite(file)) f.SetLength(length - 10);
        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointStore.Load(info.Path));
        Assert.Contains($"is {length - 10} bytes but the manifest says {length}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadNewest_passes_over_a_corrupt_newest_checkpoint_and_says_why()
    {
        Write(1);
        var good = Write(2, fill: 7);
        var bad = Write(3);
        File.WriteAllText(Path.Combine(bad.Path, CheckpointStore.TrainerStateFile), "{\"truncated\": ");
        var skipped = new List<string>();
        using var ckpt = CheckpointStore.LoadNewest(_dir, skipped.Add);
        Assert.Equal(good.Path, ckpt.Info.Path);
        var message = Assert.Single(skipped);
        Assert.Contains("trainer_state.json", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_without_a_manifest_is_incomplete_and_not_listed()
    {
        var info = Write(4);
        File.Delete(Path.Combine(info.Path, CheckpointStore.ManifestFile));
        var problems = new List<string>();
        Assert.Empty(CheckpointStore.List(_dir, problems));
        Assert.Contains("no manifest.json", Assert.Single(problems), StringComparison.Ordinal);
        var e = Assert.Throws<CheckpointCorruptException>(() => CheckpointStore.LoadNewest(_dir));
        Assert.Contains("no valid checkpoint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewriting_a_step_replaces_it_only_when_the_new_one_is_complete()
    {
        Write(6, fill: 1);
        var info = Write(6, fill: 3);
        using var ckpt = CheckpointStore.Load(info.Path);
        Assert.All(ckpt.Model["layer.weight"].ToArray<float>(), v => Assert.Equal(3f, v));
        Assert.Single(Directory.GetDirectories(_dir));
    }

    [Fact]
    public void Temporary_directories_from_a_crash_are_ignored_and_cleaned()
    {
        Write(1);
        Directory.CreateDirectory(Path.Combine(_dir, ".tmp-epoch=0000-step=00000002-deadbeef"));
        File.WriteAllText(Path.Combine(_dir, ".tmp-epoch=0000-step=00000002-deadbeef", "model.safetensors"), "half");
        Assert.Single(CheckpointStore.List(_dir));
        CheckpointStore.CleanTemporary(_dir);
        Assert.Single(Directory.GetDirectories(_dir));
    }

    [Fact]
    public void The_weights_file_is_standard_safetensors_that_python_reads_by_pytorch_names()
    {
        var info = Write(1, fill: 4);
        // The format read with nothing but Python's standard library (the layout safetensors.torch.load_file expects:
        // u64 header length, JSON header with dtype/shape/data_offsets, little-endian data), so the test needs no
        // python3-torch on the machine.
        var script = Path.Combine(Path.GetTempPath(), "mlr-read-st-" + Guid.NewGuid().ToString("N")[..8] + ".py");
        File.WriteAllText(script, """
            import json, struct, sys
            raw = open(sys.argv[1], 'rb').read()
            (n,) = struct.unpack('<Q', raw[:8])
            header = json.loads(raw[8:8 + n])
            meta = header.pop('__metadata__', {})
            data = raw[8 + n:]
            w = header['layer.weight']
            a, b = w['data_offsets']
            values = struct.unpack('<%df' % ((b - a) // 4), data[a:b])
            print(sorted(header), meta.get('format'), w['dtype'], w['shape'], sum(values))
            """);
        try
        {
            var (code, output) = Repo.Run("python3", $"{script} {Path.Combine(info.Path, CheckpointStore.ModelFile)}");
            Assert.True(code == 0, output);
            Assert.Contains("['layer.bias', 'layer.weight'] pt F32 [3, 2] 24.0", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
