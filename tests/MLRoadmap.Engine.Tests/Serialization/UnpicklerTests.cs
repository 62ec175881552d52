using MLRoadmap.Serialization;

namespace MLRoadmap.Tests.Serialization;

/// <summary>The data-only unpickler on plain Python data pickled by Python itself with protocols 2 to 5 (every
/// opcode family those protocols write for it), compared with the structure make_pth_fixtures.py recorded.</summary>
public class UnpicklerTests
{
    private static object? Unpickle(byte[] data, string source = "test") =>
        new Unpickler(data, 0, data.Length, source, (_, _) => null, persistentLoad: null).Load();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Plain_data_of_every_protocol_reads_as_Python_wrote_it(int protocol)
    {
        var stem = $"plain_p{protocol}";
        var root = Unpickle(File.ReadAllBytes(PthFixtures.Path(stem + ".pkl")));
        PthFixtures.AssertStructure(PthFixtures.Meta(stem).GetProperty("structure"), root, stem);
        var shared = (List<object?>)((PickleDict)root!)["shared"]!;
        Assert.Same(shared[0], shared[1]);   // one list referenced twice (the memo) stays one list
    }

    [Fact]
    public void Dict_keys_compare_as_in_Python()
    {
        // pickle.dumps({1: 'a', (2, 'b'): 'c'}, protocol=2) by Python 3.11.
        byte[] data = [0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x4b, 0x01, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01,
            0x4b, 0x02, 0x58, 0x01, 0x00, 0x00, 0x00, 0x62, 0x71, 0x02, 0x86, 0x71, 0x03, 0x58, 0x01, 0x00, 0x00, 0x00,
            0x63, 0x71, 0x04, 0x75, 0x2e];
        var dict = (PickleDict)Unpickle(data)!;
        Assert.Equal("a", dict[1L]);
        Assert.Equal("a", dict[1.0]);                       // 1 == 1.0 in Python
        Assert.Equal("a", dict[true]);                      // and True == 1
        Assert.Equal("c", dict[new object?[] { 2L, "b" }]); // tuples by content
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x02 }, "offset 2: the pickle ends early")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'.' }, "offset 2: STOP with an empty stack")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'a', (byte)'.' }, "offset 2: stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'K', 1, (byte)'a', (byte)'.' }, "offset 4: stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'K', 1, (byte)'K', 1, (byte)'a', (byte)'.' }, "offset 6: APPEND to 1, not a list")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'t', (byte)'.' }, "offset 2: no MARK on the stack")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'h', 5, (byte)'.' }, "offset 2: memo entry 5 was never stored")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'.' }, "offset 2: a length of 2147483647 bytes runs past the end")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 1, 0, 0, 0, 0xff, (byte)'.' }, "offset 2: a string that is not valid UTF-8")]
    [InlineData(new byte[] { 0x80, 0x07, (byte)'.' }, "offset 0: pickle protocol 7 is newer than 5")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'N', (byte)'R', (byte)'.' }, "offset 4: REDUCE of None, which is not a callable")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'Q', (byte)'.' }, "offset 2: stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'Q', (byte)'.' }, "offset 3: a persistent id (BINPERSID) where none is expected")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'}', (byte)'N', (byte)'K', 1, (byte)'s', (byte)'.' }, "offset 6: a dict key is None")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'i', (byte)'.' }, "offset 2: unknown or unsupported opcode 'i' (0x69): an opcode that instantiates a class")]
    [InlineData(new byte[] { 0x80, 0x02, 0x82, 1, (byte)'.' }, "offset 2: unknown or unsupported opcode 0x82: an extension-registry opcode")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'I', (byte)'1', (byte)'\n', (byte)'.' }, "offset 2: unknown or unsupported opcode 'I' (0x49): a protocol-0 text opcode")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'c', (byte)'o', (byte)'s' }, "offset 2: GLOBAL name not terminated by a newline")]
    public void Malformed_pickles_say_where_and_what(byte[] data, string message)
    {
        var e = Assert.Throws<UnpicklingException>(() => Unpickle(data, "bad.pkl"));
        Assert.StartsWith("bad.pkl: " + message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("__builtin__", "getattr")]
    [InlineData("torch", "load")]
    [InlineData("collections", "defaultdict")]
    public void A_global_off_the_allow_list_is_refused_before_anything_else(string module, string name)
    {
        byte[] data = [0x80, 0x02, (byte)'c', .. System.Text.Encoding.ASCII.GetBytes($"{module}\n{name}\n"), (byte)')', (byte)'R', (byte)'.'];
        var e = Assert.Throws<ForbiddenGlobalException>(() => Unpickle(data, "x.pkl"));
        Assert.Equal($"{module}.{name}", e.Global);
        Assert.Equal(2, e.Offset);
        Assert.StartsWith($"x.pkl: offset 2: the pickle references the global '{module}.{name}', which is not on the allow-list", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Codecs_encode_is_allowed_only_as_pickle_writes_bytes()
    {
        // _codecs.encode('x', 'utf-8'): the allowed global, but not the latin-1 form pickle writes for bytes.
        byte[] data = [0x80, 0x02, (byte)'c', .. "_codecs\nencode\n"u8, (byte)'X', 1, 0, 0, 0, (byte)'x',
            (byte)'X', 5, 0, 0, 0, .. "utf-8"u8, 0x86, (byte)'R', (byte)'.'];
        var e = Assert.Throws<UnpicklingException>(() => Unpickle(data));
        Assert.Contains("_codecs.encode is allowed only as encode(str, 'latin1')", e.Message, StringComparison.Ordinal);
    }
}
