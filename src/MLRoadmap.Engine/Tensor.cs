using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MLRoadmap.Interop;

namespace MLRoadmap;

/// <summary>
/// A libtorch tensor. Owns one native handle, freed by <see cref="Dispose"/> or by the <see cref="DisposeScope"/>
/// that was open when it was created. Ops live in the partial files beside this one (Tensor.Math.cs, ...).
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public partial class Tensor : IDisposable
{
    internal readonly TensorHandle Handle;

    /// <summary>The scope that will free this tensor, or null if the caller owns it.</summary>
    internal DisposeScope? Scope;

    internal Tensor(TensorHandle handle)
    {
        Handle = handle;
        DisposeScope.Adopt(this);
    }

    /// <summary>Takes over another tensor's native handle without touching any scope (used by Parameter).</summary>
    private protected Tensor(Tensor source, bool takeOwnership)
    {
        Debug.Assert(takeOwnership);
        ObjectDisposedException.ThrowIf(source.IsDisposed, source);
        Handle = new TensorHandle(source.Handle.DangerousGetHandle());
        source.Handle.SetHandleAsInvalid();
        source.Scope = null;
    }

    public bool IsDisposed => Handle.IsClosed;

    /// <summary>Frees the native handle now. Safe to call twice.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA1816",
        Justification = "Tensor has no finalizer (its TensorHandle has); suppressing would only cost time on every op.")]
    public void Dispose() => Handle.Dispose();

    // ---- ownership -------------------------------------------------------------------------------------------

    /// <summary>Hands this tensor to the scope around the one that owns it (or to the caller, at the outermost).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Parent;
        if (outer is null || outer.IsDisposed) Scope = null;
        else outer.Include(this);
        return this;
    }

    /// <summary>Takes this tensor out of every scope: the caller now must dispose it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    /// <summary>A second tensor object sharing this one's data and autograd identity, owned by the current scope.</summary>
    public Tensor Alias()
    {
        Native.Check(Native.mlr_tensor_alias(Handle, out var r));
        return new Tensor(r);
    }

    // ---- metadata --------------------------------------------------------------------------------------------

    public int Dim
    {
        get
        {
            Native.Check(Native.mlr_tensor_dim(Handle, out var d));
            return d;
        }
    }

    /// <summary>The sizes of each dimension (a new array each call).</summary>
    public unsafe long[] Shape
    {
        get
        {
            Span<long> buffer = stackalloc long[8];
            int ndim;
            fixed (long* p = buffer) Native.Check(Native.mlr_tensor_sizes(Handle, p, buffer.Length, out ndim));
            if (ndim <= buffer.Length) return buffer[..ndim].ToArray();
            var sizes = new long[ndim];
            fixed (long* p = sizes) Native.Check(Native.mlr_tensor_sizes(Handle, p, ndim, out ndim));
            return sizes;
        }
    }

    public unsafe long[] Stride
    {
        get
        {
            var ndim = Dim;
            var strides = new long[ndim];
            fixed (long* p = strides) Native.Check(Native.mlr_tensor_strides(Handle, p, ndim, out _));
            return strides;
        }
    }

    /// <summary>Size of one dimension; negative dims count from the end.</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        var d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dimensions");
        return shape[d];
    }

    public long Numel
    {
        get
        {
            Native.Check(Native.mlr_tensor_numel(Handle, out var n));
            return n;
        }
    }

    public ScalarType Dtype
    {
        get
        {
            Native.Check(Native.mlr_tensor_dtype(Handle, out var d));
            return (ScalarType)d;
        }
    }

    public Device Device
    {
        get
        {
            Native.Check(Native.mlr_tensor_device(Handle, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    private int Flags
    {
        get
        {
            Native.Check(Native.mlr_tensor_flags(Handle, out var f));
            return f;
        }
    }

    public bool IsContiguous => (Flags & 1) != 0;
    public bool IsPinned => (Flags & 2) != 0;
    public bool IsLeaf => (Flags & 8) != 0;
    public bool IsView => (Flags & 16) != 0;

    // ---- values back to .NET ---------------------------------------------------------------------------------

    /// <summary>
    /// Copies the elements, row-major, into a new array. The tensor is converted to T's dtype first if it differs
    /// (so a bfloat16 or CUDA tensor can be read as float[]).
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var target = ElementType<T>();
        var source = Dtype == target ? this : To(target);
        try
        {
            var result = new T[source.Numel];
            source.CopyTo<T>(result);
            return result;
        }
        finally
        {
            if (!ReferenceEquals(source, this)) source.Dispose();
        }
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, whose length must equal Numel and whose
    /// element type must match the tensor's dtype.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var type = ElementType<T>();
        if (type != Dtype)
            throw new ArgumentException($"tensor is {Dtype.TorchName()} but the destination holds {typeof(T).Name}");
        fixed (T* p = destination)
            Native.Check(Native.mlr_tensor_to_host(Handle, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>The value of a one-element tensor.</summary>
    public Scalar Item()
    {
        Native.Check(Native.mlr_tensor_item(Handle, out var s));
        return Scalar.FromNative(s);
    }

    public T Item<T>() where T : unmanaged
    {
        var s = Item();
        object boxed = typeof(T) switch
        {
            _ when typeof(T) == typeof(float) => (float)s.ToDouble(),
            _ when typeof(T) == typeof(double) => s.ToDouble(),
            _ when typeof(T) == typeof(long) => s.ToInt64(),
            _ when typeof(T) == typeof(int) => checked((int)s.ToInt64()),
            _ when typeof(T) == typeof(bool) => s.ToBoolean(),
            _ => throw new NotSupportedException($"Item<{typeof(T).Name}> is not supported; use float, double, long, int or bool"),
        };
        return (T)boxed;
    }

    // ---- conversion and copies -------------------------------------------------------------------------------

    /// <summary>Converts to a device and/or dtype. Returns a new tensor object even when nothing changes (sharing
    /// data in that case, as PyTorch does), so the result can always be disposed independently.</summary>
    public Tensor To(Device device, ScalarType? dtype = null, bool nonBlocking = false, bool copy = false)
    {
        Native.Check(Native.mlr_tensor_to(Handle, dtype is null ? -1 : (int)dtype.Value, (int)device.Type,
            device.Index, nonBlocking ? 1 : 0, copy ? 1 : 0, out var r));
        return new Tensor(r);
    }

    public Tensor To(ScalarType dtype, bool copy = false)
    {
        Native.Check(Native.mlr_tensor_to(Handle, (int)dtype, -1, -1, 0, copy ? 1 : 0, out var r));
        return new Tensor(r);
    }

    /// <summary>Converts to the dtype and device of <paramref name="other"/>.</summary>
    public Tensor To(Tensor other, bool nonBlocking = false) => To(other.Device, other.Dtype, nonBlocking);

    public Tensor Cpu() => To(Device.CPU);

    public Tensor Cuda(int index = 0, bool nonBlocking = false) => To(Device.CUDA(index), null, nonBlocking);

    public Tensor Clone()
    {
        Native.Check(Native.mlr_tensor_clone(Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>This tensor laid out in <paramref name="format"/> (itself, as a new handle, when it already is):
    /// <see cref="MemoryFormat.ChannelsLast"/> stores a 4-D (N, C, H, W) tensor as NHWC, the layout tensor-core
    /// convolutions run fastest on; its shape stays (N, C, H, W).</summary>
    public Tensor Contiguous(MemoryFormat format = MemoryFormat.Contiguous)
    {
        Native.Check(Native.mlr_tensor_contiguous(Handle, (int)format, out var r));
        return new Tensor(r);
    }

    /// <summary>Whether the elements are laid out densely in <paramref name="format"/>'s order
    /// (torch.Tensor.is_contiguous(memory_format=...)).</summary>
    public bool IsContiguousIn(MemoryFormat format)
    {
        Native.Check(Native.mlr_tensor_is_contiguous(Handle, (int)format, out var r));
        return r != 0;
    }

    /// <summary>A copy in page-locked host memory, so <c>To(cuda, nonBlocking: true)</c> overlaps with compute.</summary>
    public Tensor PinMemory()
    {
        Native.Check(Native.mlr_tensor_pin_memory(Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>Copies <paramref name="source"/>'s values into this tensor in place (broadcasting, converting).</summary>
    public Tensor Copy_(Tensor source, bool nonBlocking = false)
    {
        Native.Check(Native.mlr_tensor_copy_(Handle, source.Handle, nonBlocking ? 1 : 0));
        return this;
    }

    /// <summary>Swaps in new data while keeping this tensor's identity (what Module.To uses for parameters).</summary>
    public void SetData(Tensor data) => Native.Check(Native.mlr_tensor_set_data(Handle, data.Handle));

    // ---- printing --------------------------------------------------------------------------------------------

    /// <summary>A short description: shape, dtype and device. Use <see cref="ToString(bool)"/> for the values.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        var device = Device;
        return $"Tensor([{string.Join(", ", Shape)}], {Dtype.TorchName()}{(device.IsCpu ? "" : ", " + device)})";
    }

    /// <summary>With <paramref name="values"/>, libtorch's printed form of the whole tensor.</summary>
    public unsafe string ToString(bool values)
    {
        if (!values) return ToString();
        Native.Check(Native.mlr_tensor_to_string(Handle, out var text));
        return Native.Utf8(text) ?? "";
    }

    // ---- element types ---------------------------------------------------------------------------------------

    /// <summary>The dtype whose elements have the layout of T.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarType ElementType<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(byte)) return ScalarType.UInt8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        if (typeof(T) == typeof(BFloat16)) return ScalarType.BFloat16;
        throw new NotSupportedException($"{typeof(T).Name} has no tensor dtype");
    }

    /// <summary>Raw native handle values of a list of tensors, for list-taking exports. The tensors must stay
    /// alive (and undisposed) until the call returns; callers keep them referenced and call GC.KeepAlive.</summary>
    internal static IntPtr[] Handles(ReadOnlySpan<Tensor> tensors)
    {
        var handles = new IntPtr[tensors.Length];
        for (var i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"tensor {i} is null");
            ObjectDisposedException.ThrowIf(t.IsDisposed, t);
            handles[i] = t.Handle.DangerousGetHandle();
        }
        return handles;
    }

    /// <summary>Wraps a native array of new handles (from split, chunk, ...) and frees the array.</summary>
    internal static unsafe Tensor[] FromArray(IntPtr* array, int count)
    {
        try
        {
            var result = new Tensor[count];
            for (var i = 0; i < count; i++) result[i] = new Tensor(new TensorHandle(array[i]));
            return result;
        }
        finally
        {
            Native.mlr_tensor_array_free(array);
        }
    }
}

public partial class Tensor
{
    /// <summary>The raw little-endian bytes of the elements in row-major order (any device, any layout).</summary>
    public unsafe byte[] ToBytes()
    {
        var bytes = new byte[Numel * Dtype.ElementSize()];
        fixed (byte* p = bytes) Native.Check(Native.mlr_tensor_to_host(Handle, p, bytes.Length));
        return bytes;
    }
}

public static partial class Torch
{
    /// <summary>A CPU tensor of the given dtype and shape from raw little-endian bytes (length checked natively).</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ReadOnlySpan<long> shape, ScalarType dtype)
    {
        TensorHandle r;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
            Native.Check(Native.mlr_tensor_from_host(p, bytes.Length, s, shape.Length, (int)dtype,
                (int)DeviceType.CPU, -1, 0, out r));
        return new Tensor(r);
    }
}
