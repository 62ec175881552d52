using MLRoadmap.Interop;

namespace MLRoadmap.Tests;

public class ErrorTranslationTests
{
    [Theory]
    [InlineData(1, TorchErrorKind.Torch, typeof(TorchException), "test: c10::Error")]
    [InlineData(2, TorchErrorKind.OutOfMemory, typeof(TorchOutOfMemoryException), "CUDA out of memory")]
    [InlineData(3, TorchErrorKind.Index, typeof(TorchIndexException), "index out of range")]
    [InlineData(4, TorchErrorKind.Value, typeof(TorchException), "bad value")]
    [InlineData(5, TorchErrorKind.Type, typeof(TorchException), "bad type")]
    [InlineData(6, TorchErrorKind.NotImplemented, typeof(TorchException), "not implemented")]
    [InlineData(7, TorchErrorKind.LinAlg, typeof(TorchException), "singular matrix")]
    [InlineData(8, TorchErrorKind.Argument, typeof(TorchArgumentException), "refused by the shim")]
    [InlineData(9, TorchErrorKind.Std, typeof(TorchException), "std::runtime_error")]
    [InlineData(10, TorchErrorKind.Unknown, typeof(TorchException), "unknown type")]
    [InlineData(11, TorchErrorKind.OutOfMemory, typeof(TorchOutOfMemoryException), "bad_alloc")]
    public void Every_native_exception_kind_becomes_a_typed_exception_with_its_message(int kind,
        TorchErrorKind expectedKind, Type expectedType, string messagePart)
    {
        var e = Assert.ThrowsAny<TorchException>(() => Native.Check(Native.mlr_errors_throw_for_test(kind)));
        Assert.IsType(expectedType, e);
        Assert.Equal(expectedKind, e.Kind);
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_has_no_backtrace_but_detail_keeps_the_source_location()
    {
        var e = Assert.ThrowsAny<TorchException>(() => Native.Check(Native.mlr_errors_throw_for_test(1)));
        Assert.DoesNotContain("Exception raised from", e.Message, StringComparison.Ordinal);
        Assert.Contains("errors.cpp", e.NativeDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_successful_call_after_a_failure_does_not_throw()
    {
        Assert.ThrowsAny<TorchException>(() => Native.Check(Native.mlr_errors_throw_for_test(9)));
        Native.Check(Native.mlr_errors_throw_for_test(0));
    }

    [Fact]
    public void Errors_on_two_threads_keep_their_own_messages()
    {
        var messages = new string[2];
        using var barrier = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            barrier.SignalAndWait();
            for (var k = 0; k < 200; k++)
            {
                var e = Assert.ThrowsAny<TorchException>(() => Native.Check(Native.mlr_errors_throw_for_test(i == 0 ? 4 : 5)));
                messages[i] = e.Message;
                Assert.Contains(i == 0 ? "bad value" : "bad type", e.Message, StringComparison.Ordinal);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Contains("bad value", messages[0], StringComparison.Ordinal);
        Assert.Contains("bad type", messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Matmul_shape_mismatch_is_a_catchable_exception_naming_the_shapes()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.Ones([2, 3]);
        var b = Torch.Ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.Matmul(b));
        Assert.Contains("2x3", e.Message, StringComparison.Ordinal);
        Assert.Contains("4x5", e.Message, StringComparison.Ordinal);
        // The process and the tensors are fine afterwards.
        Assert.Equal(new long[] { 2, 5 }, a.Matmul(Torch.Ones([3, 5])).Shape);
    }

    [Fact]
    public void Allocation_beyond_memory_is_an_out_of_memory_exception()
    {
        var e = Assert.Throws<TorchOutOfMemoryException>(() => Torch.Empty([1L << 22, 1L << 22]));
        Assert.Equal(TorchErrorKind.OutOfMemory, e.Kind);
    }

    [Fact]
    public void A_disposed_tensor_is_refused_before_reaching_native_code()
    {
        var t = Torch.Ones([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.Add(1));
        Assert.Throws<ObjectDisposedException>(() => Torch.Cat([t, t]));
    }

    [Fact]
    public void Unknown_dtype_code_is_refused_by_the_shim()
    {
        var e = Assert.Throws<TorchArgumentException>(() => Torch.Zeros([2], (ScalarType)12));
        Assert.Contains("dtype code 12", e.Message, StringComparison.Ordinal);
    }
}
