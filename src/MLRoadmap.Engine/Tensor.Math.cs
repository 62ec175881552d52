using MLRoadmap.Interop;

namespace MLRoadmap;

// Elementwise math, operators, matrix products. Native side: src/Native/math.cpp.
public partial class Tensor
{
    private Tensor Unary(UnaryOp op)
    {
        Native.Check(Native.mlr_math_unary((int)op, Handle, out var r));
        return new Tensor(r);
    }

    private Tensor Unary_(UnaryOp op)
    {
        Native.Check(Native.mlr_math_unary_((int)op, Handle));
        return this;
    }

    private Tensor Binary(BinaryOp op, Tensor other)
    {
        Native.Check(Native.mlr_math_binary((int)op, Handle, other.Handle, out var r));
        return new Tensor(r);
    }

    private Tensor Binary_(BinaryOp op, Tensor other)
    {
        Native.Check(Native.mlr_math_binary_((int)op, Handle, other.Handle));
        return this;
    }

    private Tensor BinaryScalar(BinaryOp op, Scalar other)
    {
        Native.Check(Native.mlr_math_binary_scalar((int)op, Handle, other.ToNative(), out var r));
        return new Tensor(r);
    }

    private Tensor BinaryScalar_(BinaryOp op, Scalar other)
    {
        Native.Check(Native.mlr_math_binary_scalar_((int)op, Handle, other.ToNative()));
        return this;
    }

    // ---- unary (generated list; see Ops.cs) ----
    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Neg_() => Unary_(UnaryOp.Neg);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Abs_() => Unary_(UnaryOp.Abs);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Exp_() => Unary_(UnaryOp.Exp);
    public Tensor Exp2() => Unary(UnaryOp.Exp2);
    public Tensor Exp2_() => Unary_(UnaryOp.Exp2);
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    public Tensor Expm1_() => Unary_(UnaryOp.Expm1);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Log_() => Unary_(UnaryOp.Log);
    public Tensor Log2() => Unary(UnaryOp.Log2);
    public Tensor Log2_() => Unary_(UnaryOp.Log2);
    public Tensor Log10() => Unary(UnaryOp.Log10);
    public Tensor Log10_() => Unary_(UnaryOp.Log10);
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    public Tensor Log1p_() => Unary_(UnaryOp.Log1p);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Sqrt_() => Unary_(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Rsqrt_() => Unary_(UnaryOp.Rsqrt);
    public Tensor Sin() => Unary(UnaryOp.Sin);
    public Tensor Sin_() => Unary_(UnaryOp.Sin);
    public Tensor Cos() => Unary(UnaryOp.Cos);
    public Tensor Cos_() => Unary_(UnaryOp.Cos);
    public Tensor Tan() => Unary(UnaryOp.Tan);
    public Tensor Tan_() => Unary_(UnaryOp.Tan);
    public Tensor Asin() => Unary(UnaryOp.Asin);
    public Tensor Asin_() => Unary_(UnaryOp.Asin);
    public Tensor Acos() => Unary(UnaryOp.Acos);
    public Tensor Acos_() => Unary_(UnaryOp.Acos);
    public Tensor Atan() => Unary(UnaryOp.Atan);
    public Tensor Atan_() => Unary_(UnaryOp.Atan);
    public Tensor Sinh() => Unary(UnaryOp.Sinh);
    public Tensor Sinh_() => Unary_(UnaryOp.Sinh);
    public Tensor Cosh() => Unary(UnaryOp.Cosh);
    public Tensor Cosh_() => Unary_(UnaryOp.Cosh);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Tanh_() => Unary_(UnaryOp.Tanh);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Sigmoid_() => Unary_(UnaryOp.Sigmoid);
    public Tensor Relu() => Unary(UnaryOp.Relu);
    public Tensor Relu_() => Unary_(UnaryOp.Relu);
    public Tensor Floor() => Unary(UnaryOp.Floor);
    public Tensor Floor_() => Unary_(UnaryOp.Floor);
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    public Tensor Ceil_() => Unary_(UnaryOp.Ceil);
    public Tensor Round() => Unary(UnaryOp.Round);
    public Tensor Round_() => Unary_(UnaryOp.Round);
    public Tensor Trunc() => Unary(UnaryOp.Trunc);
    public Tensor Trunc_() => Unary_(UnaryOp.Trunc);
    public Tensor Frac() => Unary(UnaryOp.Frac);
    public Tensor Frac_() => Unary_(UnaryOp.Frac);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor Sign_() => Unary_(UnaryOp.Sign);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor Reciprocal_() => Unary_(UnaryOp.Reciprocal);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Square_() => Unary_(UnaryOp.Square);
    public Tensor Erf() => Unary(UnaryOp.Erf);
    public Tensor Erf_() => Unary_(UnaryOp.Erf);
    public Tensor Erfc() => Unary(UnaryOp.Erfc);
    public Tensor Erfc_() => Unary_(UnaryOp.Erfc);
    public Tensor Erfinv() => Unary(UnaryOp.Erfinv);
    public Tensor Erfinv_() => Unary_(UnaryOp.Erfinv);
    public Tensor Lgamma() => Unary(UnaryOp.Lgamma);
    public Tensor Lgamma_() => Unary_(UnaryOp.Lgamma);
    public Tensor Digamma() => Unary(UnaryOp.Digamma);
    public Tensor Digamma_() => Unary_(UnaryOp.Digamma);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);
    public Tensor LogicalNot_() => Unary_(UnaryOp.LogicalNot);
    public Tensor BitwiseNot() => Unary(UnaryOp.BitwiseNot);
    public Tensor BitwiseNot_() => Unary_(UnaryOp.BitwiseNot);
    public Tensor IsNan() => Unary(UnaryOp.Isnan);
    public Tensor IsInf() => Unary(UnaryOp.Isinf);
    public Tensor IsFinite() => Unary(UnaryOp.Isfinite);
    public Tensor Signbit() => Unary(UnaryOp.Signbit);

    // ---- binary with tensor or scalar right-hand side ----
    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, other);
    public Tensor Mul(Scalar other) => BinaryScalar(BinaryOp.Mul, other);
    public Tensor Mul_(Tensor other) => Binary_(BinaryOp.Mul, other);
    public Tensor Mul_(Scalar other) => BinaryScalar_(BinaryOp.Mul, other);
    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, other);
    public Tensor Div(Scalar other) => BinaryScalar(BinaryOp.Div, other);
    public Tensor Div_(Tensor other) => Binary_(BinaryOp.Div, other);
    public Tensor Div_(Scalar other) => BinaryScalar_(BinaryOp.Div, other);
    public Tensor Remainder(Tensor other) => Binary(BinaryOp.Remainder, other);
    public Tensor Remainder(Scalar other) => BinaryScalar(BinaryOp.Remainder, other);
    public Tensor Remainder_(Tensor other) => Binary_(BinaryOp.Remainder, other);
    public Tensor Remainder_(Scalar other) => BinaryScalar_(BinaryOp.Remainder, other);
    public Tensor Fmod(Tensor other) => Binary(BinaryOp.Fmod, other);
    public Tensor Fmod(Scalar other) => BinaryScalar(BinaryOp.Fmod, other);
    public Tensor Fmod_(Tensor other) => Binary_(BinaryOp.Fmod, other);
    public Tensor Fmod_(Scalar other) => BinaryScalar_(BinaryOp.Fmod, other);
    public Tensor Pow(Tensor other) => Binary(BinaryOp.Pow, other);
    public Tensor Pow(Scalar other) => BinaryScalar(BinaryOp.Pow, other);
    public Tensor Pow_(Tensor other) => Binary_(BinaryOp.Pow, other);
    public Tensor Pow_(Scalar other) => BinaryScalar_(BinaryOp.Pow, other);
    public Tensor FloorDivide(Tensor other) => Binary(BinaryOp.FloorDivide, other);
    public Tensor FloorDivide(Scalar other) => BinaryScalar(BinaryOp.FloorDivide, other);
    public Tensor FloorDivide_(Tensor other) => Binary_(BinaryOp.FloorDivide, other);
    public Tensor FloorDivide_(Scalar other) => BinaryScalar_(BinaryOp.FloorDivide, other);
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, other);
    public Tensor Eq(Scalar other) => BinaryScalar(BinaryOp.Eq, other);
    public Tensor Eq_(Tensor other) => Binary_(BinaryOp.Eq, other);
    public Tensor Eq_(Scalar other) => BinaryScalar_(BinaryOp.Eq, other);
    public Tensor Ne(Tensor other) => Binary(BinaryOp.Ne, other);
    public Tensor Ne(Scalar other) => BinaryScalar(BinaryOp.Ne, other);
    public Tensor Ne_(Tensor other) => Binary_(BinaryOp.Ne, other);
    public Tensor Ne_(Scalar other) => BinaryScalar_(BinaryOp.Ne, other);
    public Tensor Lt(Tensor other) => Binary(BinaryOp.Lt, other);
    public Tensor Lt(Scalar other) => BinaryScalar(BinaryOp.Lt, other);
    public Tensor Lt_(Tensor other) => Binary_(BinaryOp.Lt, other);
    public Tensor Lt_(Scalar other) => BinaryScalar_(BinaryOp.Lt, other);
    public Tensor Le(Tensor other) => Binary(BinaryOp.Le, other);
    public Tensor Le(Scalar other) => BinaryScalar(BinaryOp.Le, other);
    public Tensor Le_(Tensor other) => Binary_(BinaryOp.Le, other);
    public Tensor Le_(Scalar other) => BinaryScalar_(BinaryOp.Le, other);
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, other);
    public Tensor Gt(Scalar other) => BinaryScalar(BinaryOp.Gt, other);
    public Tensor Gt_(Tensor other) => Binary_(BinaryOp.Gt, other);
    public Tensor Gt_(Scalar other) => BinaryScalar_(BinaryOp.Gt, other);
    public Tensor Ge(Tensor other) => Binary(BinaryOp.Ge, other);
    public Tensor Ge(Scalar other) => BinaryScalar(BinaryOp.Ge, other);
    public Tensor Ge_(Tensor other) => Binary_(BinaryOp.Ge, other);
    public Tensor Ge_(Scalar other) => BinaryScalar_(BinaryOp.Ge, other);
    public Tensor BitwiseAnd(Tensor other) => Binary(BinaryOp.BitwiseAnd, other);
    public Tensor BitwiseAnd(Scalar other) => BinaryScalar(BinaryOp.BitwiseAnd, other);
    public Tensor BitwiseAnd_(Tensor other) => Binary_(BinaryOp.BitwiseAnd, other);
    public Tensor BitwiseAnd_(Scalar other) => BinaryScalar_(BinaryOp.BitwiseAnd, other);
    public Tensor BitwiseOr(Tensor other) => Binary(BinaryOp.BitwiseOr, other);
    public Tensor BitwiseOr(Scalar other) => BinaryScalar(BinaryOp.BitwiseOr, other);
    public Tensor BitwiseOr_(Tensor other) => Binary_(BinaryOp.BitwiseOr, other);
    public Tensor BitwiseOr_(Scalar other) => BinaryScalar_(BinaryOp.BitwiseOr, other);
    public Tensor BitwiseXor(Tensor other) => Binary(BinaryOp.BitwiseXor, other);
    public Tensor BitwiseXor(Scalar other) => BinaryScalar(BinaryOp.BitwiseXor, other);
    public Tensor BitwiseXor_(Tensor other) => Binary_(BinaryOp.BitwiseXor, other);
    public Tensor BitwiseXor_(Scalar other) => BinaryScalar_(BinaryOp.BitwiseXor, other);

    // ---- binary with tensor right-hand side only ----
    public Tensor Atan2(Tensor other) => Binary(BinaryOp.Atan2, other);
    public Tensor Atan2_(Tensor other) => Binary_(BinaryOp.Atan2, other);
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
    public Tensor Maximum_(Tensor other) => Binary_(BinaryOp.Maximum, other);
    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
    public Tensor Minimum_(Tensor other) => Binary_(BinaryOp.Minimum, other);
    public Tensor LogicalAnd(Tensor other) => Binary(BinaryOp.LogicalAnd, other);
    public Tensor LogicalAnd_(Tensor other) => Binary_(BinaryOp.LogicalAnd, other);
    public Tensor LogicalOr(Tensor other) => Binary(BinaryOp.LogicalOr, other);
    public Tensor LogicalOr_(Tensor other) => Binary_(BinaryOp.LogicalOr, other);
    public Tensor LogicalXor(Tensor other) => Binary(BinaryOp.LogicalXor, other);
    public Tensor LogicalXor_(Tensor other) => Binary_(BinaryOp.LogicalXor, other);
    public Tensor Hypot(Tensor other) => Binary(BinaryOp.Hypot, other);
    public Tensor Hypot_(Tensor other) => Binary_(BinaryOp.Hypot, other);

    // ---- add/sub with alpha ----

    /// <summary>this + alpha * other.</summary>
    public Tensor Add(Tensor other, Scalar? alpha = null) => AddScaled(other, alpha ?? 1, false, false);
    public Tensor Add(Scalar other) => BinaryScalar(BinaryOp.Add, other);
    public Tensor Add_(Tensor other, Scalar? alpha = null) => AddScaled(other, alpha ?? 1, false, true);
    public Tensor Add_(Scalar other) => BinaryScalar_(BinaryOp.Add, other);

    /// <summary>this - alpha * other.</summary>
    public Tensor Sub(Tensor other, Scalar? alpha = null) => AddScaled(other, alpha ?? 1, true, false);
    public Tensor Sub(Scalar other) => BinaryScalar(BinaryOp.Sub, other);
    public Tensor Sub_(Tensor other, Scalar? alpha = null) => AddScaled(other, alpha ?? 1, true, true);
    public Tensor Sub_(Scalar other) => BinaryScalar_(BinaryOp.Sub, other);

    private Tensor AddScaled(Tensor other, Scalar alpha, bool subtract, bool inplace)
    {
        Native.Check(Native.mlr_math_add_scaled(Handle, other.Handle, alpha.ToNative(), subtract ? 1 : 0,
            inplace ? 1 : 0, out var r));
        return inplace ? this : Wrap(r)!;
    }

    // ---- scalar-on-the-left forms and clamps ----

    /// <summary>scalar - this.</summary>
    public Tensor Rsub(Scalar other) => BinaryScalar(BinaryOp.Rsub, other);
    /// <summary>scalar / this.</summary>
    public Tensor Rdiv(Scalar other) => BinaryScalar(BinaryOp.Rdiv, other);
    /// <summary>scalar ** this.</summary>
    public Tensor Rpow(Scalar other) => BinaryScalar(BinaryOp.Rpow, other);

    public Tensor ClampMin(Scalar min) => BinaryScalar(BinaryOp.ClampMin, min);
    public Tensor ClampMax(Scalar max) => BinaryScalar(BinaryOp.ClampMax, max);
    public Tensor ClampMin_(Scalar min) => BinaryScalar_(BinaryOp.ClampMin, min);
    public Tensor ClampMax_(Scalar max) => BinaryScalar_(BinaryOp.ClampMax, max);

    public Tensor Clamp(Scalar? min = null, Scalar? max = null) => ClampCore(min, max, false);
    public Tensor Clamp_(Scalar? min = null, Scalar? max = null) => ClampCore(min, max, true);

    private Tensor ClampCore(Scalar? min, Scalar? max, bool inplace)
    {
        Native.Check(Native.mlr_math_clamp(Handle, (min ?? 0).ToNative(), min.HasValue ? 1 : 0,
            (max ?? 0).ToNative(), max.HasValue ? 1 : 0, inplace ? 1 : 0, out var r));
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>Division with rounding: Trunc rounds toward zero, Floor toward negative infinity.</summary>
    public Tensor Div(Tensor other, RoundingMode mode) => DivMode(other, mode, false);
    public Tensor Div_(Tensor other, RoundingMode mode) => DivMode(other, mode, true);

    private Tensor DivMode(Tensor other, RoundingMode mode, bool inplace)
    {
        Native.Check(Native.mlr_math_div_mode(Handle, other.Handle, (int)mode, inplace ? 1 : 0, out var r));
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>Rounds half to even at the given number of decimal places.</summary>
    public Tensor Round(long decimals)
    {
        Native.Check(Native.mlr_math_round_decimals(Handle, decimals, out var r));
        return new Tensor(r);
    }

    /// <summary>Clamp against tensor bounds, which broadcast; either may be null.</summary>
    public Tensor Clamp(Tensor? min, Tensor? max) => ClampTensor(min, max, false);
    public Tensor Clamp_(Tensor? min, Tensor? max) => ClampTensor(min, max, true);

    private Tensor ClampTensor(Tensor? min, Tensor? max, bool inplace)
    {
        Native.Check(Native.mlr_math_clamp_tensor(Handle, min?.Handle.DangerousGetHandle() ?? IntPtr.Zero,
            max?.Handle.DangerousGetHandle() ?? IntPtr.Zero, inplace ? 1 : 0, out var r));
        GC.KeepAlive(min);
        GC.KeepAlive(max);
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>Sets every element to value, in place.</summary>
    public Tensor Fill_(Scalar value)
    {
        Native.Check(Native.mlr_math_fill_(Handle, value.ToNative()));
        return this;
    }

    /// <summary>Sets every element to zero, in place (NaN and inf included).</summary>
    public Tensor Zero_() => Fill_(0);

    // ---- fused forms ----

    /// <summary>this + value * t1 * t2.</summary>
    public Tensor Addcmul(Tensor t1, Tensor t2, Scalar? value = null) => AddC(0, t1, t2, value, false);
    public Tensor Addcmul_(Tensor t1, Tensor t2, Scalar? value = null) => AddC(0, t1, t2, value, true);

    /// <summary>this + value * t1 / t2.</summary>
    public Tensor Addcdiv(Tensor t1, Tensor t2, Scalar? value = null) => AddC(1, t1, t2, value, false);
    public Tensor Addcdiv_(Tensor t1, Tensor t2, Scalar? value = null) => AddC(1, t1, t2, value, true);

    private Tensor AddC(int kind, Tensor t1, Tensor t2, Scalar? value, bool inplace)
    {
        Native.Check(Native.mlr_math_addc(kind, Handle, t1.Handle, t2.Handle, (value ?? 1).ToNative(),
            inplace ? 1 : 0, out var r));
        return inplace ? this : Wrap(r)!;
    }

    /// <summary>this + weight * (end - this).</summary>
    public Tensor Lerp(Tensor end, Scalar weight) => LerpCore(end, weight, null, false);
    public Tensor Lerp(Tensor end, Tensor weight) => LerpCore(end, 0, weight, false);
    public Tensor Lerp_(Tensor end, Scalar weight) => LerpCore(end, weight, null, true);
    public Tensor Lerp_(Tensor end, Tensor weight) => LerpCore(end, 0, weight, true);

    private Tensor LerpCore(Tensor end, Scalar weight, Tensor? weightTensor, bool inplace)
    {
        var w = weightTensor is null ? IntPtr.Zero : weightTensor.Handle.DangerousGetHandle();
        Native.Check(Native.mlr_math_lerp(Handle, end.Handle, weight.ToNative(), w, inplace ? 1 : 0, out var r));
        GC.KeepAlive(weightTensor);
        return inplace ? this : Wrap(r)!;
    }

    // ---- matrix products ----

    private Tensor MatmulKind(int kind, Tensor other)
    {
        Native.Check(Native.mlr_math_matmul(kind, Handle, other.Handle, out var r));
        return new Tensor(r);
    }

    /// <summary>torch.matmul: broadcasting batched product, 1-D operands treated as vectors.</summary>
    public Tensor Matmul(Tensor other) => MatmulKind(0, other);
    public Tensor Mm(Tensor other) => MatmulKind(1, other);
    public Tensor Bmm(Tensor other) => MatmulKind(2, other);
    public Tensor Dot(Tensor other) => MatmulKind(3, other);
    public Tensor Outer(Tensor other) => MatmulKind(4, other);
    public Tensor Mv(Tensor vector) => MatmulKind(5, vector);

    // ---- operators: scalar overloads on both sides ----

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator +(Tensor a, Scalar b) => a.Add(b);
    public static Tensor operator +(Scalar a, Tensor b) => b.Add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator -(Tensor a, Scalar b) => a.Sub(b);
    public static Tensor operator -(Scalar a, Tensor b) => b.Rsub(a);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator *(Tensor a, Scalar b) => a.Mul(b);
    public static Tensor operator *(Scalar a, Tensor b) => b.Mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator /(Tensor a, Scalar b) => a.Div(b);
    public static Tensor operator /(Scalar a, Tensor b) => b.Rdiv(a);
    public static Tensor operator %(Tensor a, Tensor b) => a.Remainder(b);
    public static Tensor operator %(Tensor a, Scalar b) => a.Remainder(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator &(Tensor a, Tensor b) => a.BitwiseAnd(b);
    public static Tensor operator |(Tensor a, Tensor b) => a.BitwiseOr(b);
    public static Tensor operator ^(Tensor a, Tensor b) => a.BitwiseXor(b);
    public static Tensor operator ~(Tensor a) => a.BitwiseNot();
    public static Tensor operator <(Tensor a, Tensor b) => a.Lt(b);
    public static Tensor operator >(Tensor a, Tensor b) => a.Gt(b);
    public static Tensor operator <=(Tensor a, Tensor b) => a.Le(b);
    public static Tensor operator >=(Tensor a, Tensor b) => a.Ge(b);
    public static Tensor operator <(Tensor a, Scalar b) => a.Lt(b);
    public static Tensor operator >(Tensor a, Scalar b) => a.Gt(b);
    public static Tensor operator <=(Tensor a, Scalar b) => a.Le(b);
    public static Tensor operator >=(Tensor a, Scalar b) => a.Ge(b);
}

/// <summary>How division rounds (torch.div's rounding_mode).</summary>
public enum RoundingMode
{
    /// <summary>True division, no rounding.</summary>
    None = 0,
    Trunc = 1,
    Floor = 2,
}

public static partial class Torch
{
    public static Tensor Matmul(Tensor a, Tensor b) => a.Matmul(b);

    public static Tensor Bmm(Tensor a, Tensor b) => a.Bmm(b);

    /// <summary>beta * self + alpha * (a @ b).</summary>
    public static Tensor Addmm(Tensor self, Tensor a, Tensor b, Scalar? beta = null, Scalar? alpha = null)
    {
        Native.Check(Native.mlr_math_addmm(self.Handle, a.Handle, b.Handle, (beta ?? 1).ToNative(),
            (alpha ?? 1).ToNative(), 0, out var r));
        return new Tensor(r);
    }

    /// <summary>beta * self + alpha * (a @ b) per batch.</summary>
    public static Tensor Baddbmm(Tensor self, Tensor a, Tensor b, Scalar? beta = null, Scalar? alpha = null)
    {
        Native.Check(Native.mlr_math_addmm(self.Handle, a.Handle, b.Handle, (beta ?? 1).ToNative(),
            (alpha ?? 1).ToNative(), 1, out var r));
        return new Tensor(r);
    }

    /// <summary>Einstein summation, e.g. <c>Torch.Einsum("bij,bjk->bik", a, b)</c>.</summary>
    public static unsafe Tensor Einsum(string equation, params ReadOnlySpan<Tensor> operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        var handles = MLRoadmap.Tensor.Handles(operands);
        TensorHandle r;
        fixed (IntPtr* p = handles) Native.Check(Native.mlr_math_einsum(equation, p, handles.Length, out r));
        KeepAlive(operands);
        return new Tensor(r);
    }

    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => condition.WhereSelect(a, b);

    public static Tensor Maximum(Tensor a, Tensor b) => a.Maximum(b);

    public static Tensor Minimum(Tensor a, Tensor b) => a.Minimum(b);

    internal static void KeepAlive(ReadOnlySpan<Tensor> tensors)
    {
        foreach (var t in tensors) GC.KeepAlive(t);
    }
}
