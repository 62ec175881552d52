using MLRoadmap.Data;

namespace MLRoadmap.Tests.Data;

public class TensorDatasetTests
{
    [Fact]
    public void GetBatch_gathers_the_rows_in_index_order()
    {
        using var ds = new TensorDataset(Torch.Arange(10).Reshape(5, 2), Torch.Tensor(new long[] { 10, 11, 12, 13, 14 }));
        using var b = ds.GetBatch([3, 0, 3]);
        Assert.Equal(5, ds.Count);
        Assert.Equal(3, b.Size);
        Assert.Equal(new long[] { 6, 7, 0, 1, 6, 7 }, b.Input.ToArray<long>());
        Assert.Equal(new long[] { 13, 10, 13 }, b.Target.ToArray<long>());
    }

    [Fact]
    public void Tensors_with_different_row_counts_are_refused_by_name()
    {
        using var a = Torch.Zeros([4, 2]);
        using var b = Torch.Zeros([3]);
        var e = Assert.Throws<ArgumentException>(() => new TensorDataset(a, b));
        Assert.Contains("tensor 1 has 3 rows but tensor 0 has 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_outside_the_dataset_is_refused()
    {
        using var ds = new TensorDataset(Torch.Zeros([4, 2]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ds.GetBatch([1, 4]));
        Assert.Contains("index 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_owns_its_tensors_beyond_the_scope_they_were_made_in()
    {
        Batch batch;
        using (Torch.NewDisposeScope()) batch = new Batch(Torch.Ones([2, 3]), Torch.Zeros([2]));
        Assert.False(batch.Input.IsDisposed);
        var input = batch.Input;
        batch.Dispose();
        Assert.True(input.IsDisposed);
    }
}
