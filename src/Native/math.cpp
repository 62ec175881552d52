// Elementwise math (table-driven, see ops.h), matrix products and einsum.
#include "mlr.h"
#include "ops.h"

namespace {

using mlr::BinaryOp;
using mlr::UnaryOp;

at::Tensor unary(UnaryOp op, const at::Tensor& t) {
  switch (op) {
#define MLR_CASE(name) \
  case UnaryOp::name: return at::name(t);
    MLR_UNARY_OPS(MLR_CASE)
    MLR_UNARY_PREDICATES(MLR_CASE)
#undef MLR_CASE
    default: throw mlr::ArgumentError("unknown unary op code " + std::to_string(static_cast<int32_t>(op)));
  }
}

void unary_(UnaryOp op, at::Tensor& t) {
  switch (op) {
#define MLR_CASE(name) \
  case UnaryOp::name: t.name##_(); return;
    MLR_UNARY_OPS(MLR_CASE)
#undef MLR_CASE
    default: throw mlr::ArgumentError("unary op code " + std::to_string(static_cast<int32_t>(op)) + " has no in-place form");
  }
}

at::Tensor binary(BinaryOp op, const at::Tensor& a, const at::Tensor& b) {
  switch (op) {
#define MLR_CASE(name) \
  case BinaryOp::name: return at::name(a, b);
    MLR_BINARY_OPS(MLR_CASE)
    MLR_BINARY_TENSOR_ONLY(MLR_CASE)
#undef MLR_CASE
    default: throw mlr::ArgumentError("binary op code " + std::to_string(static_cast<int32_t>(op)) + " takes a scalar");
  }
}

void binary_(BinaryOp op, at::Tensor& a, const at::Tensor& b) {
  switch (op) {
#define MLR_CASE(name) \
  case BinaryOp::name: a.name##_(b); return;
    MLR_BINARY_OPS(MLR_CASE)
#undef MLR_CASE
    case BinaryOp::atan2: a.atan2_(b); return;
    case BinaryOp::hypot: a.hypot_(b); return;
    case BinaryOp::logical_and: a.logical_and_(b); return;
    case BinaryOp::logical_or: a.logical_or_(b); return;
    case BinaryOp::logical_xor: a.logical_xor_(b); return;
    case BinaryOp::maximum: at::maximum_out(a, a, b); return;
    case BinaryOp::minimum: at::minimum_out(a, a, b); return;
    default: throw mlr::ArgumentError("binary op code " + std::to_string(static_cast<int32_t>(op)) + " takes a scalar");
  }
}

at::Tensor binary_scalar(BinaryOp op, const at::Tensor& a, const at::Scalar& s) {
  switch (op) {
#define MLR_CASE(name) \
  case BinaryOp::name: return at::name(a, s);
    MLR_BINARY_OPS(MLR_CASE)
#undef MLR_CASE
    case BinaryOp::rsub: return at::rsub(a, s);
    case BinaryOp::rdiv: return at::mul(at::reciprocal(a), s);
    case BinaryOp::rpow: return at::pow(s, a);
    case BinaryOp::clamp_min: return at::clamp_min(a, s);
    case BinaryOp::clamp_max: return at::clamp_max(a, s);
    default: throw mlr::ArgumentError("binary op code " + std::to_string(static_cast<int32_t>(op)) + " needs a tensor");
  }
}

void binary_scalar_(BinaryOp op, at::Tensor& a, const at::Scalar& s) {
  switch (op) {
#define MLR_CASE(name) \
  case BinaryOp::name: a.name##_(s); return;
    MLR_BINARY_OPS(MLR_CASE)
#undef MLR_CASE
    case BinaryOp::clamp_min: a.clamp_min_(s); return;
    case BinaryOp::clamp_max: a.clamp_max_(s); return;
    default:
      throw mlr::ArgumentError("binary op code " + std::to_string(static_cast<int32_t>(op)) + " has no in-place scalar form");
  }
}

const char* const unary_names[] = {
#define MLR_NAME(name) #name,
    MLR_UNARY_OPS(MLR_NAME) MLR_UNARY_PREDICATES(MLR_NAME)
#undef MLR_NAME
};
const char* const binary_names[] = {
#define MLR_NAME(name) #name,
    MLR_BINARY_OPS(MLR_NAME) MLR_BINARY_TENSOR_ONLY(MLR_NAME) MLR_BINARY_SCALAR_ONLY(MLR_NAME)
#undef MLR_NAME
};
const char* const reduce_names[] = {
#define MLR_NAME(name) #name,
    MLR_REDUCE_OPS(MLR_NAME)
#undef MLR_NAME
};

}  // namespace

// The name of op code `code` in table `table` (0 unary, 1 binary, 2 reduce), or null past the end. Lets the managed
// side prove its enums match these tables.
MLR_API const char* mlr_math_op_name(int32_t table, int32_t code) noexcept {
  auto pick = [&](const char* const* names, size_t n) -> const char* {
    return code >= 0 && static_cast<size_t>(code) < n ? names[code] : nullptr;
  };
  switch (table) {
    case 0: return pick(unary_names, sizeof unary_names / sizeof *unary_names);
    case 1: return pick(binary_names, sizeof binary_names / sizeof *binary_names);
    case 2: return pick(reduce_names, sizeof reduce_names / sizeof *reduce_names);
    default: return nullptr;
  }
}

MLR_API mlr_status mlr_math_unary(int32_t op, mlr_tensor a, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(unary(static_cast<UnaryOp>(op), mlr::get(a))); });
}

MLR_API mlr_status mlr_math_unary_(int32_t op, mlr_tensor a) {
  return mlr::guard([&] { unary_(static_cast<UnaryOp>(op), mlr::get(a)); });
}

MLR_API mlr_status mlr_math_binary(int32_t op, mlr_tensor a, mlr_tensor b, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(binary(static_cast<BinaryOp>(op), mlr::get(a), mlr::get(b, "other"))); });
}

MLR_API mlr_status mlr_math_binary_(int32_t op, mlr_tensor a, mlr_tensor b) {
  return mlr::guard([&] { binary_(static_cast<BinaryOp>(op), mlr::get(a), mlr::get(b, "other")); });
}

MLR_API mlr_status mlr_math_binary_scalar(int32_t op, mlr_tensor a, mlr_scalar s, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(binary_scalar(static_cast<BinaryOp>(op), mlr::get(a), mlr::scalar(s))); });
}

MLR_API mlr_status mlr_math_binary_scalar_(int32_t op, mlr_tensor a, mlr_scalar s) {
  return mlr::guard([&] { binary_scalar_(static_cast<BinaryOp>(op), mlr::get(a), mlr::scalar(s)); });
}

// a + alpha * b (sub: a - alpha * b). inplace != 0 updates a and returns no new handle.
MLR_API mlr_status mlr_math_add_scaled(mlr_tensor a, mlr_tensor b, mlr_scalar alpha, int32_t subtract,
                                       int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    auto& y = mlr::get(b, "other");
    auto s = mlr::scalar(alpha);
    if (inplace != 0) {
      if (subtract != 0) x.sub_(y, s); else x.add_(y, s);
      return;
    }
    *out = mlr::wrap(subtract != 0 ? at::sub(x, y, s) : at::add(x, y, s));
  });
}

// kind 0: self + value * t1 * t2 (addcmul); 1: self + value * t1 / t2 (addcdiv).
MLR_API mlr_status mlr_math_addc(int32_t kind, mlr_tensor self, mlr_tensor t1, mlr_tensor t2, mlr_scalar value,
                                 int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(self);
    auto& a = mlr::get(t1, "tensor1");
    auto& b = mlr::get(t2, "tensor2");
    auto v = mlr::scalar(value);
    if (kind != 0 && kind != 1) throw mlr::ArgumentError("addc kind must be 0 (addcmul) or 1 (addcdiv)");
    if (inplace != 0) {
      if (kind == 0) x.addcmul_(a, b, v); else x.addcdiv_(a, b, v);
      return;
    }
    *out = mlr::wrap(kind == 0 ? at::addcmul(x, a, b, v) : at::addcdiv(x, a, b, v));
  });
}

// Either bound may be absent (has_min / has_max = 0). Tensor bounds go through maximum/minimum on the C# side.
MLR_API mlr_status mlr_math_clamp(mlr_tensor a, mlr_scalar min, int32_t has_min, mlr_scalar max, int32_t has_max,
                                  int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    c10::optional<at::Scalar> lo, hi;
    if (has_min != 0) lo = mlr::scalar(min);
    if (has_max != 0) hi = mlr::scalar(max);
    if (!lo && !hi) throw mlr::ArgumentError("clamp needs at least one of min and max");
    if (inplace != 0) {
      x.clamp_(lo, hi);
      return;
    }
    *out = mlr::wrap(at::clamp(x, lo, hi));
  });
}

// weight_tensor null: scalar weight.
MLR_API mlr_status mlr_math_lerp(mlr_tensor a, mlr_tensor end, mlr_scalar weight, mlr_tensor weight_tensor,
                                 int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    auto& e = mlr::get(end, "end");
    if (inplace != 0) {
      if (weight_tensor != nullptr) x.lerp_(e, *weight_tensor); else x.lerp_(e, mlr::scalar(weight));
      return;
    }
    *out = mlr::wrap(weight_tensor != nullptr ? at::lerp(x, e, *weight_tensor) : at::lerp(x, e, mlr::scalar(weight)));
  });
}

// kind: 0 matmul (broadcasting, 1-D aware), 1 mm, 2 bmm, 3 dot, 4 outer, 5 mv.
MLR_API mlr_status mlr_math_matmul(int32_t kind, mlr_tensor a, mlr_tensor b, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    auto& y = mlr::get(b, "other");
    at::Tensor r;
    switch (kind) {
      case 0: r = at::matmul(x, y); break;
      case 1: r = at::mm(x, y); break;
      case 2: r = at::bmm(x, y); break;
      case 3: r = at::dot(x, y); break;
      case 4: r = at::outer(x, y); break;
      case 5: r = at::mv(x, y); break;
      default: throw mlr::ArgumentError("unknown matmul kind " + std::to_string(kind));
    }
    *out = mlr::wrap(std::move(r));
  });
}

// beta * self + alpha * (a @ b); batched when batched != 0 (baddbmm).
MLR_API mlr_status mlr_math_addmm(mlr_tensor self, mlr_tensor a, mlr_tensor b, mlr_scalar beta, mlr_scalar alpha,
                                  int32_t batched, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& s = mlr::get(self);
    auto& x = mlr::get(a, "mat1");
    auto& y = mlr::get(b, "mat2");
    *out = mlr::wrap(batched != 0 ? at::baddbmm(s, x, y, mlr::scalar(beta), mlr::scalar(alpha))
                                  : at::addmm(s, x, y, mlr::scalar(beta), mlr::scalar(alpha)));
  });
}

MLR_API mlr_status mlr_math_einsum(const char* equation, const mlr_tensor* operands, int32_t count, mlr_tensor* out) {
  return mlr::guard([&] {
    if (equation == nullptr) throw mlr::ArgumentError("einsum equation is null");
    *out = mlr::wrap(at::einsum(equation, mlr::tensors(operands, count, "operands")));
  });
}

// Division with a rounding mode: 0 true division, 1 trunc, 2 floor (torch.div(..., rounding_mode=...)).
MLR_API mlr_status mlr_math_div_mode(mlr_tensor a, mlr_tensor b, int32_t mode, int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    auto& y = mlr::get(b, "other");
    c10::optional<c10::string_view> rounding;
    switch (mode) {
      case 0: break;
      case 1: rounding = "trunc"; break;
      case 2: rounding = "floor"; break;
      default: throw mlr::ArgumentError("unknown rounding mode " + std::to_string(mode));
    }
    if (inplace != 0) {
      x.div_(y, rounding);
      return;
    }
    *out = mlr::wrap(at::div(x, y, rounding));
  });
}

// Rounds half to even at `decimals` places (negative: to tens, hundreds, ...).
MLR_API mlr_status mlr_math_round_decimals(mlr_tensor a, int64_t decimals, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::round(mlr::get(a), decimals)); });
}

// Clamp against tensor bounds (broadcast); either may be null.
MLR_API mlr_status mlr_math_clamp_tensor(mlr_tensor a, mlr_tensor min, mlr_tensor max, int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    if (min == nullptr && max == nullptr) throw mlr::ArgumentError("clamp needs at least one of min and max");
    auto lo = mlr::opt_arg(min);
    auto hi = mlr::opt_arg(max);
    if (inplace != 0) {
      x.clamp_(lo, hi);
      return;
    }
    *out = mlr::wrap(at::clamp(x, lo, hi));
  });
}

// Sets every element to the value (zero_ is fill_(0): unlike mul_(0) it also clears NaN and inf).
MLR_API mlr_status mlr_math_fill_(mlr_tensor a, mlr_scalar value) {
  return mlr::guard([&] { mlr::get(a).fill_(mlr::scalar(value)); });
}
