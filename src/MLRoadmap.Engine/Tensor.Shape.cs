using MLRoadmap.Interop;

namespace MLRoadmap;

// Views, joins, splits and rearrangements. Native side: src/Native/shape.cpp.
public partial class Tensor
{
    private unsafe Tensor Sized(int kind, ReadOnlySpan<long> sizes)
    {
        TensorHandle r;
        fixed (long* s = sizes) Native.Check(Native.mlr_shape_sized(kind, Handle, s, sizes.Length, out r));
        return new Tensor(r);
    }

    private Tensor Dims(int kind, long d0 = 0, long d1 = 0)
    {
        Native.Check(Native.mlr_shape_dims(kind, Handle, d0, d1, out var r));
        return new Tensor(r);
    }

    private Tensor Dims_(int kind, long d0 = 0, long d1 = 0)
    {
        Native.Check(Native.mlr_shape_dims_(kind, Handle, d0, d1));
        return this;
    }

    /// <summary>Same data, new shape (no copy; fails for incompatible strides, where Reshape copies). -1 infers one size.</summary>
    public Tensor View(params ReadOnlySpan<long> shape) => Sized(0, shape);

    /// <summary>New shape, as a view when possible, else a copy. -1 infers one size.</summary>
    public Tensor Reshape(params ReadOnlySpan<long> shape) => Sized(1, shape);

    /// <summary>Broadcasts size-1 dims to the given sizes without copying (-1 keeps a size).</summary>
    public Tensor Expand(params ReadOnlySpan<long> shape) => Sized(2, shape);

    public Tensor ExpandAs(Tensor other) => Sized(2, other.Shape);

    public Tensor BroadcastTo(params ReadOnlySpan<long> shape) => Sized(6, shape);

    /// <summary>Tiles the data along each dim (copies), as torch.Tensor.repeat.</summary>
    public Tensor Repeat(params ReadOnlySpan<long> repeats) => Sized(3, repeats);

    public Tensor Tile(params ReadOnlySpan<long> repeats) => Sized(7, repeats);

    /// <summary>Reorders dims, e.g. NCHW to NHWC with Permute(0, 2, 3, 1).</summary>
    public Tensor Permute(params ReadOnlySpan<long> dims) => Sized(4, dims);

    public Tensor Flip(params ReadOnlySpan<long> dims) => Sized(5, dims);

    public Tensor Transpose(long dim0, long dim1) => Dims(0, dim0, dim1);
    public Tensor Transpose_(long dim0, long dim1) => Dims_(0, dim0, dim1);

    /// <summary>Transpose of a 2-D tensor (0-D and 1-D returned as is).</summary>
    public Tensor T() => Dims(5);
    public Tensor T_() => Dims_(3);

    /// <summary>Transpose of the last two dims (mT in PyTorch).</summary>
    public Tensor MT() => Dims(0, -2, -1);

    public Tensor Flatten(long startDim = 0, long endDim = -1) => Dims(1, startDim, endDim);

    public unsafe Tensor Unflatten(long dim, params ReadOnlySpan<long> sizes)
    {
        TensorHandle r;
        fixed (long* s = sizes) Native.Check(Native.mlr_shape_unflatten(Handle, dim, s, sizes.Length, out r));
        return new Tensor(r);
    }

    /// <summary>Removes every size-1 dim.</summary>
    public Tensor Squeeze() => Dims(10);

    /// <summary>Removes dim if its size is 1 (else returns the same shape).</summary>
    public Tensor Squeeze(long dim) => Dims(2, dim);
    public Tensor Squeeze_(long dim) => Dims_(1, dim);

    public Tensor Unsqueeze(long dim) => Dims(3, dim);
    public Tensor Unsqueeze_(long dim) => Dims_(2, dim);

    public Tensor Movedim(long source, long destination) => Dims(4, source, destination);

    /// <summary>Lower triangle (elements above the given diagonal zeroed).</summary>
    public Tensor Tril(long diagonal = 0) => Dims(6, diagonal);
    public Tensor Tril_(long diagonal = 0) => Dims_(4, diagonal);
    public Tensor Triu(long diagonal = 0) => Dims(7, diagonal);
    public Tensor Triu_(long diagonal = 0) => Dims_(5, diagonal);

    public Tensor Diagonal(long offset = 0) => Dims(8, offset);

    public Tensor Roll(long shifts, long dim) => Dims(9, shifts, dim);

    /// <summary>length elements of dim starting at start, as a view.</summary>
    public Tensor Narrow(long dim, long start, long length)
    {
        Native.Check(Native.mlr_shape_narrow(Handle, dim, start, length, out var r));
        return new Tensor(r);
    }

    /// <summary>The slice at index along dim, with that dim removed (x[:, i] is Select(1, i)).</summary>
    public Tensor Select(long dim, long index)
    {
        Native.Check(Native.mlr_shape_select(Handle, dim, index, out var r));
        return new Tensor(r);
    }

    public unsafe Tensor AsStrided(ReadOnlySpan<long> sizes, ReadOnlySpan<long> strides, long storageOffset = 0)
    {
        if (sizes.Length != strides.Length) throw new ArgumentException("sizes and strides must have the same length");
        TensorHandle r;
        fixed (long* s = sizes)
        fixed (long* t = strides)
            Native.Check(Native.mlr_shape_as_strided(Handle, s, t, sizes.Length, storageOffset, out r));
        return new Tensor(r);
    }

    private unsafe Tensor[] SplitCore(int kind, ReadOnlySpan<long> sizes, long dim)
    {
        IntPtr* array;
        int count;
        fixed (long* s = sizes) Native.Check(Native.mlr_shape_split(kind, Handle, s, sizes.Length, dim, out array, out count));
        return FromArray(array, count);
    }

    /// <summary>Pieces of splitSize along dim (the last may be smaller).</summary>
    public Tensor[] Split(long splitSize, long dim = 0) => SplitCore(0, [splitSize], dim);

    /// <summary>Pieces with the listed sizes along dim.</summary>
    public Tensor[] Split(ReadOnlySpan<long> sizes, long dim = 0) => SplitCore(1, sizes, dim);

    /// <summary>At most `chunks` pieces of equal size along dim.</summary>
    public Tensor[] Chunk(long chunks, long dim = 0) => SplitCore(2, [chunks], dim);

    /// <summary>Every slice along dim, with that dim removed.</summary>
    public Tensor[] Unbind(long dim = 0) => SplitCore(3, default, dim);
}

public static partial class Torch
{
    private static unsafe Tensor Join(int kind, ReadOnlySpan<Tensor> tensors, long dim)
    {
        var handles = MLRoadmap.Tensor.Handles(tensors);
        TensorHandle r;
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_shape_join(kind, p, handles.Length, dim, out r));
        KeepAlive(tensors);
        return new Tensor(r);
    }

    /// <summary>Joins tensors along an existing dim.</summary>
    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0) => Join(0, tensors, dim);

    /// <summary>Joins tensors along a new dim.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0) => Join(1, tensors, dim);
}
