using MLRoadmap.NN;
using MLRoadmap.Tests.Support;

namespace MLRoadmap.Tests.Memory;

/// <summary>The CPU caching allocator (src/Native/allocator.cpp). Its figures are process-wide, so these run alone.</summary>
[Collection(SerialTests.Name)]
public class CpuCacheTests
{
    [Fact]
    public void Is_on_by_default_and_reuses_a_freed_block_of_the_same_size()
    {
        Assert.True(Torch.CpuCache.Enabled);
        using (Torch.NewDisposeScope()) _ = Torch.Zeros([512, 1024]); // 2 MiB: cached when freed
        var before = Torch.CpuCache.Stats();
        Assert.True(before.CachedBytes >= 2 << 20);
        using (Torch.NewDisposeScope())
        {
            var t = Torch.Ones([512, 1024]);
            Assert.Equal(512f * 1024, t.Sum().Item<float>()); // a reused block holds the new values, not the old
            var during = Torch.CpuCache.Stats();
            Assert.Equal(before.Hits + 1, during.Hits);
            Assert.True(during.InUseBytes >= 2 << 20);
        }
    }

    [Fact]
    public void Small_tensors_bypass_the_cache()
    {
        var before = Torch.CpuCache.Stats();
        using (Torch.NewDisposeScope())
            for (var i = 0; i < 100; i++) _ = Torch.Zeros([16, 16]);
        var after = Torch.CpuCache.Stats();
        Assert.Equal(before.Hits + before.Misses, after.Hits + after.Misses);
    }

    [Fact]
    public void EmptyCache_returns_cached_blocks_to_the_system()
    {
        using (Torch.NewDisposeScope()) _ = Torch.Zeros([1024, 1024]);
        Assert.True(Torch.CpuCache.Stats().CachedBytes > 0);
        Assert.True(Torch.CpuCache.EmptyCache() >= 4 << 20);
        Assert.Equal(0, Torch.CpuCache.Stats().CachedBytes);
    }

    [Fact]
    public void A_limit_caps_what_is_kept_and_disabling_stops_caching()
    {
        try
        {
            Torch.CpuCache.EmptyCache();
            Torch.CpuCache.SetLimit(1 << 20); // 1 MiB: a 4 MiB block can't be kept
            using (Torch.NewDisposeScope()) _ = Torch.Zeros([1024, 1024]);
            Assert.Equal(0, Torch.CpuCache.Stats().CachedBytes);

            Torch.CpuCache.SetLimit(2L << 30);
            Torch.CpuCache.Enabled = false;
            var before = Torch.CpuCache.Stats();
            using (Torch.NewDisposeScope()) _ = Torch.Zeros([1024, 1024]);
            var after = Torch.CpuCache.Stats();
            Assert.False(after.Enabled);
            Assert.Equal(before.Misses, after.Misses); // not served by the cache at all
            Assert.Equal(0, after.CachedBytes);
        }
        finally
        {
            Torch.CpuCache.SetLimit(2L << 30);
            Torch.CpuCache.Enabled = true;
        }
    }

    [Fact]
    public void OneDNN_convolutions_forward_and_backward_run_on_cached_memory()
    {
        // oneDNN takes scratch memory through raw_allocate/raw_deallocate; an allocator without simple data pointers
        // and a raw deleter aborts the process here (it did, before the fix).
        using var scope = Torch.NewDisposeScope();
        using var conv = new Conv2d(8, 16, 3, padding: 1);
        for (var i = 0; i < 3; i++)
        {
            var x = Torch.Randn([32, 8, 28, 28], requiresGrad: true);
            conv.Forward(x).Sum().Backward();
            Assert.Equal(x.Shape, x.Grad!.Shape);
        }
        Assert.True(Torch.CpuCache.Stats().Hits > 0);
    }
}
