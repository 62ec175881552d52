namespace MLRoadmap;

// Op codes of the native tables in src/Native/ops.h. Same names (PascalCase of the snake_case there), same order;
// OpTableTests compares both lists through mlr_math_op_name.

internal enum UnaryOp
{
    Neg, Abs, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh,
    Tanh, Sigmoid, Relu, Floor, Ceil, Round, Trunc, Frac, Sign, Reciprocal, Square, Erf, Erfc, Erfinv, Lgamma,
    Digamma, LogicalNot, BitwiseNot,
    // No in-place forms:
    Isnan, Isinf, Isfinite, Signbit,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Remainder, Fmod, Pow, FloorDivide, Eq, Ne, Lt, Le, Gt, Ge, BitwiseAnd, BitwiseOr, BitwiseXor,
    // Tensor right-hand side only:
    Atan2, Maximum, Minimum, LogicalAnd, LogicalOr, LogicalXor, Hypot,
    // Scalar right-hand side only:
    Rsub, Rdiv, Rpow, ClampMin, ClampMax,
}

internal enum ReduceOp
{
    Sum, Mean, Amax, Amin, Logsumexp, Nansum, All, Any, Prod,
}
