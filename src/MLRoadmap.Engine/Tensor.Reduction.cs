using MLRoadmap.Interop;

namespace MLRoadmap;

// Reductions, softmax, sorting, whole-tensor comparisons. Native side: src/Native/reduction.cpp.
public partial class Tensor
{
    private unsafe Tensor Reduce(ReduceOp op, ReadOnlySpan<long> dims, bool allDims, bool keepDim, ScalarType? dtype)
    {
        TensorHandle r;
        fixed (long* d = dims)
            Native.Check(Native.mlr_reduction_reduce((int)op, Handle, d, allDims ? -1 : dims.Length, keepDim ? 1 : 0,
                dtype is null ? -1 : (int)dtype.Value, out r));
        return new Tensor(r);
    }

    // No all-elements overload takes a dtype: with Sum(ScalarType) beside Sum(long dim), C# would bind the literal
    // in x.Sum(0) to the enum. Convert first (x.To(dtype).Sum()) instead.

    /// <summary>Sum of all elements (a 0-dim tensor).</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, default, true, false, null);
    public Tensor Sum(long dim, bool keepDim = false, ScalarType? dtype = null) => Reduce(ReduceOp.Sum, [dim], false, keepDim, dtype);
    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false, ScalarType? dtype = null) => Reduce(ReduceOp.Sum, dims, false, keepDim, dtype);

    public Tensor Mean() => Reduce(ReduceOp.Mean, default, true, false, null);
    public Tensor Mean(long dim, bool keepDim = false, ScalarType? dtype = null) => Reduce(ReduceOp.Mean, [dim], false, keepDim, dtype);
    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false, ScalarType? dtype = null) => Reduce(ReduceOp.Mean, dims, false, keepDim, dtype);

    public Tensor Nansum() => Reduce(ReduceOp.Nansum, default, true, false, null);
    public Tensor Nansum(long dim, bool keepDim = false) => Reduce(ReduceOp.Nansum, [dim], false, keepDim, null);

    public Tensor Prod() => Reduce(ReduceOp.Prod, default, true, false, null);
    public Tensor Prod(long dim, bool keepDim = false, ScalarType? dtype = null) => Reduce(ReduceOp.Prod, [dim], false, keepDim, dtype);

    public Tensor Amax() => Reduce(ReduceOp.Amax, default, true, false, null);
    public Tensor Amax(long dim, bool keepDim = false) => Reduce(ReduceOp.Amax, [dim], false, keepDim, null);
    public Tensor Amax(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Amax, dims, false, keepDim, null);

    public Tensor Amin() => Reduce(ReduceOp.Amin, default, true, false, null);
    public Tensor Amin(long dim, bool keepDim = false) => Reduce(ReduceOp.Amin, [dim], false, keepDim, null);
    public Tensor Amin(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Amin, dims, false, keepDim, null);

    public Tensor Logsumexp(long dim, bool keepDim = false) => Reduce(ReduceOp.Logsumexp, [dim], false, keepDim, null);
    public Tensor Logsumexp(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Logsumexp, dims, false, keepDim, null);

    public Tensor All() => Reduce(ReduceOp.All, default, true, false, null);
    public Tensor All(long dim, bool keepDim = false) => Reduce(ReduceOp.All, [dim], false, keepDim, null);
    public Tensor Any() => Reduce(ReduceOp.Any, default, true, false, null);
    public Tensor Any(long dim, bool keepDim = false) => Reduce(ReduceOp.Any, [dim], false, keepDim, null);

    /// <summary>Maximum of all elements.</summary>
    public Tensor Max() => Amax();
    /// <summary>Minimum of all elements.</summary>
    public Tensor Min() => Amin();

    /// <summary>Max along a dim, with the indices where it occurs.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => MaxMin(dim, keepDim, false);
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => MaxMin(dim, keepDim, true);

    private (Tensor, Tensor) MaxMin(long dim, bool keepDim, bool min)
    {
        Native.Check(Native.mlr_reduction_max_dim(Handle, dim, keepDim ? 1 : 0, min ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    private unsafe Tensor VarStd(int kind, ReadOnlySpan<long> dims, bool allDims, long correction, bool keepDim)
    {
        TensorHandle r;
        fixed (long* d = dims)
            Native.Check(Native.mlr_reduction_var_std(kind, Handle, d, allDims ? -1 : dims.Length, correction,
                keepDim ? 1 : 0, out r));
        return new Tensor(r);
    }

    /// <summary>Variance. unbiased = true divides by n - 1 (Bessel's correction), as PyTorch's default.</summary>
    public Tensor Var(bool unbiased = true) => VarStd(0, default, true, unbiased ? 1 : 0, false);
    public Tensor Var(long dim, bool unbiased = true, bool keepDim = false) => VarStd(0, [dim], false, unbiased ? 1 : 0, keepDim);
    public Tensor Var(ReadOnlySpan<long> dims, bool unbiased = true, bool keepDim = false) => VarStd(0, dims, false, unbiased ? 1 : 0, keepDim);
    public Tensor Std(bool unbiased = true) => VarStd(1, default, true, unbiased ? 1 : 0, false);
    public Tensor Std(long dim, bool unbiased = true, bool keepDim = false) => VarStd(1, [dim], false, unbiased ? 1 : 0, keepDim);
    public Tensor Std(ReadOnlySpan<long> dims, bool unbiased = true, bool keepDim = false) => VarStd(1, dims, false, unbiased ? 1 : 0, keepDim);

    /// <summary>p-norm of all elements (p = 2: Euclidean; double.PositiveInfinity: max-abs).</summary>
    public unsafe Tensor Norm(double p = 2)
    {
        Native.Check(Native.mlr_reduction_norm(Handle, p, null, -1, 0, out var r));
        return new Tensor(r);
    }

    public unsafe Tensor Norm(double p, ReadOnlySpan<long> dims, bool keepDim = false)
    {
        TensorHandle r;
        fixed (long* d = dims) Native.Check(Native.mlr_reduction_norm(Handle, p, d, dims.Length, keepDim ? 1 : 0, out r));
        return new Tensor(r);
    }

    private Tensor ArgMaxMin(long? dim, bool keepDim, bool min)
    {
        Native.Check(Native.mlr_reduction_argmax(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepDim ? 1 : 0,
            min ? 1 : 0, out var r));
        return new Tensor(r);
    }

    /// <summary>Index of the maximum along dim, or in the flattened tensor when dim is null.</summary>
    public Tensor Argmax(long? dim = null, bool keepDim = false) => ArgMaxMin(dim, keepDim, false);
    public Tensor Argmin(long? dim = null, bool keepDim = false) => ArgMaxMin(dim, keepDim, true);

    public Tensor Softmax(long dim, ScalarType? dtype = null)
    {
        Native.Check(Native.mlr_reduction_softmax(Handle, dim, 0, dtype is null ? -1 : (int)dtype.Value, out var r));
        return new Tensor(r);
    }

    public Tensor LogSoftmax(long dim, ScalarType? dtype = null)
    {
        Native.Check(Native.mlr_reduction_softmax(Handle, dim, 1, dtype is null ? -1 : (int)dtype.Value, out var r));
        return new Tensor(r);
    }

    public Tensor Cumsum(long dim, ScalarType? dtype = null)
    {
        Native.Check(Native.mlr_reduction_cumulative(0, Handle, dim, dtype is null ? -1 : (int)dtype.Value, out var r));
        return new Tensor(r);
    }

    public Tensor Cumprod(long dim, ScalarType? dtype = null)
    {
        Native.Check(Native.mlr_reduction_cumulative(1, Handle, dim, dtype is null ? -1 : (int)dtype.Value, out var r));
        return new Tensor(r);
    }

    /// <summary>Sorted values and their original indices along dim. stable keeps equal elements in order.</summary>
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false, bool stable = false)
    {
        Native.Check(Native.mlr_reduction_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    public Tensor Argsort(long dim = -1, bool descending = false)
    {
        Native.Check(Native.mlr_reduction_argsort(Handle, dim, descending ? 1 : 0, out var r));
        return new Tensor(r);
    }

    /// <summary>The k largest (or smallest) values along dim with their indices.</summary>
    public (Tensor Values, Tensor Indices) Topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        Native.Check(Native.mlr_reduction_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>True when both have the same shape and the same values (torch.equal).</summary>
    public bool Equal(Tensor other)
    {
        Native.Check(Native.mlr_reduction_compare_all(0, Handle, other.Handle, 0, 0, 0, out var r));
        return r != 0;
    }

    /// <summary>|this - other| &lt;= atol + rtol * |other| everywhere (torch.allclose).</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        Native.Check(Native.mlr_reduction_compare_all(1, Handle, other.Handle, rtol, atol, equalNan ? 1 : 0, out var r));
        return r != 0;
    }

    /// <summary>The sorted distinct values, with inverse indices and counts when asked.</summary>
    public (Tensor Values, Tensor? Inverse, Tensor? Counts) Unique(bool returnInverse = false, bool returnCounts = false)
    {
        Native.Check(Native.mlr_reduction_unique(Handle, returnInverse ? 1 : 0, returnCounts ? 1 : 0, out var v,
            out var inverse, out var counts));
        return (new Tensor(v), Wrap(inverse), Wrap(counts));
    }

    /// <summary>Wraps a possibly-null raw handle returned by an export (null means PyTorch's None).</summary>
    internal static Tensor? Wrap(IntPtr raw) => raw == IntPtr.Zero ? null : new Tensor(new TensorHandle(raw));
}
