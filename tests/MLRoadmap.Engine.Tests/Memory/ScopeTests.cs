using MLRoadmap.Tests.Support;
namespace MLRoadmap.Tests.Memory;

/// <summary>Scope semantics, checked per tensor (IsDisposed), so these run in parallel with everything else.</summary>
public class ScopeTests
{
    [Fact]
    public void A_scope_disposes_what_was_created_inside_it()
    {
        Tensor a, b;
        using (Torch.NewDisposeScope())
        {
            a = Torch.Ones([3]);
            b = a * 2 + 1;
            Assert.False(a.IsDisposed || b.IsDisposed);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
    }

    [Fact]
    public void Moved_out_tensors_survive_into_the_outer_scope()
    {
        Tensor kept, temp;
        using (var outer = Torch.NewDisposeScope())
        {
            using (var inner = Torch.NewDisposeScope())
            {
                temp = Torch.Ones([2]);
                kept = (temp * 3).MoveToOuterScope();
                Assert.Equal(1, inner.Count);
            }
            Assert.True(temp.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal(new[] { 3f, 3f }, kept.ToArray<float>());
        }
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void Detached_tensors_belong_to_the_caller()
    {
        Tensor mine;
        using (Torch.NewDisposeScope())
            mine = Torch.Zeros([2]).DetachFromDisposeScope();
        Assert.False(mine.IsDisposed);
        mine.Dispose();
        Assert.True(mine.IsDisposed);
        mine.Dispose(); // twice is fine
    }

    [Fact]
    public void Tensors_made_outside_any_scope_are_not_adopted_by_a_later_one()
    {
        using var t = Torch.Ones([1]);
        using (Torch.NewDisposeScope()) _ = t + 1;
        Assert.False(t.IsDisposed);
    }

    [Fact]
    public void Disposing_an_outer_scope_closes_inner_scopes_left_open()
    {
        Tensor inside;
        var outer = Torch.NewDisposeScope();
        var inner = Torch.NewDisposeScope();
        inside = Torch.Ones([1]);
        outer.Dispose(); // as when an exception skipped inner's using
        Assert.True(inner.IsDisposed);
        Assert.True(inside.IsDisposed);
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void An_exception_inside_a_scope_still_frees_its_tensors()
    {
        Tensor? leaked = null;
        Assert.Throws<TorchException>(() =>
        {
            using var scope = Torch.NewDisposeScope();
            leaked = Torch.Ones([2, 3]);
            leaked.Matmul(leaked); // shape mismatch
        });
        Assert.True(leaked!.IsDisposed);
    }

    [Fact]
    public void Scopes_are_per_thread()
    {
        using var scope = Torch.NewDisposeScope();
        Tensor? fromOtherThread = null;
        var thread = new Thread(() => fromOtherThread = Torch.Ones([1]));
        thread.Start();
        thread.Join();
        Assert.Equal(0, scope.Count);
        Assert.False(fromOtherThread!.IsDisposed);
        fromOtherThread.Dispose();
    }

    [Fact]
    public void A_scope_must_be_disposed_on_its_own_thread()
    {
        var scope = Torch.NewDisposeScope();
        Exception? error = null;
        var thread = new Thread(() => error = Record.Exception(scope.Dispose));
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(error);
        scope.Dispose();
    }

    [Fact]
    public void Views_keep_their_storage_after_the_base_handle_is_disposed()
    {
        using var scope = Torch.NewDisposeScope();
        var baseTensor = Torch.Arange(0, 6, dtype: ScalarType.Float32);
        var view = baseTensor.View(2, 3)[1];
        baseTensor.Dispose();
        Assert.Equal(new[] { 3f, 4f, 5f }, view.ToArray<float>());
    }
}

/// <summary>Reads the process-wide live-handle count, so it runs alone, after the parallel tests.</summary>
[Collection(SerialTests.Name)]
public class LiveCountTests
{
    private static long Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Torch.CollectGarbage();
        return Torch.LiveTensorCount;
    }

    [Fact]
    public void A_scope_returns_the_live_count_to_its_baseline()
    {
        var before = Baseline();
        using (Torch.NewDisposeScope())
        {
            var x = Torch.Randn([16, 8], requiresGrad: true);
            for (var i = 0; i < 100; i++) _ = (x.Tanh() * 2).Sum();
            Assert.True(Torch.LiveTensorCount >= before + 300);
        }
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void Finalizers_never_free_but_queue_and_a_later_drain_frees()
    {
        var before = Baseline();
        Leak(50);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // The finalizer thread only queued the handles: they are still alive natively until a drain.
        Assert.Equal(before + 50, MLRoadmap.Interop.Native.mlr_tensor_live_count());
        Assert.Equal(50, Torch.CollectGarbage());
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Leak(int n)
    {
        for (var i = 0; i < n; i++) _ = Torch.Ones([4]);
    }
}

public class LongScopeTests
{
    [Fact]
    public void A_long_scope_forgets_tensors_already_disposed_but_still_frees_the_rest()
    {
        Tensor kept;
        var scope = Torch.NewDisposeScope();
        try
        {
            kept = Torch.Ones([1]);
            for (var i = 0; i < 100_000; i++) (kept + 1).Dispose();   // disposed at once: nothing for the scope to hold
            Assert.Equal(1, scope.Count);
            var field = typeof(DisposeScope).GetField("_tensors", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
            Assert.True(((List<Tensor>)field.GetValue(scope)!).Count < 5_000, "the scope's list was never compacted");
        }
        finally
        {
            scope.Dispose();
        }
        Assert.True(kept.IsDisposed);
    }
}
