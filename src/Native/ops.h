// Op tables shared by math.cpp and reduction.cpp. An op's code is its position in its list; the C# enums in
// src/MLRoadmap.Engine/Ops.cs list the same names in the same order, and a test compares the two through
// mlr_math_op_name, so a reordering on one side can never silently run the wrong op.
#pragma once

// Unary ops that also exist in place as t.<name>_().
#define MLR_UNARY_OPS(X)                                                                                   \
  X(neg) X(abs) X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p) X(sqrt) X(rsqrt) X(sin) X(cos)  \
  X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(sigmoid) X(relu) X(floor) X(ceil) X(round)      \
  X(trunc) X(frac) X(sign) X(reciprocal) X(square) X(erf) X(erfc) X(erfinv) X(lgamma) X(digamma)           \
  X(logical_not) X(bitwise_not)

// Unary ops with no in-place form (their result dtype is bool).
#define MLR_UNARY_PREDICATES(X) X(isnan) X(isinf) X(isfinite) X(signbit)

// Binary ops with tensor and scalar right-hand sides, all with in-place forms.
#define MLR_BINARY_OPS(X)                                                                                  \
  X(add) X(sub) X(mul) X(div) X(remainder) X(fmod) X(pow) X(floor_divide) X(eq) X(ne) X(lt) X(le) X(gt)  \
  X(ge) X(bitwise_and) X(bitwise_or) X(bitwise_xor)

// Tensor-tensor only.
#define MLR_BINARY_TENSOR_ONLY(X) X(atan2) X(maximum) X(minimum) X(logical_and) X(logical_or) X(logical_xor) X(hypot)

// Scalar right-hand side only: reversed ops (scalar OP tensor) and clamps against one bound.
#define MLR_BINARY_SCALAR_ONLY(X) X(rsub) X(rdiv) X(rpow) X(clamp_min) X(clamp_max)

// Reductions over a list of dims (empty list = all dims).
#define MLR_REDUCE_OPS(X) X(sum) X(mean) X(amax) X(amin) X(logsumexp) X(nansum) X(all) X(any) X(prod)

namespace mlr {
#define MLR_ENUM_ENTRY(name) name,
enum class UnaryOp : int32_t { MLR_UNARY_OPS(MLR_ENUM_ENTRY) MLR_UNARY_PREDICATES(MLR_ENUM_ENTRY) count };
enum class BinaryOp : int32_t {
  MLR_BINARY_OPS(MLR_ENUM_ENTRY) MLR_BINARY_TENSOR_ONLY(MLR_ENUM_ENTRY) MLR_BINARY_SCALAR_ONLY(MLR_ENUM_ENTRY) count
};
enum class ReduceOp : int32_t { MLR_REDUCE_OPS(MLR_ENUM_ENTRY) count };
#undef MLR_ENUM_ENTRY
}  // namespace mlr
