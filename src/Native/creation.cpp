// Tensor factories: empty/full/arange/linspace/eye and the random ones.
#include "mlr.h"

namespace {

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index, int32_t pin) {
  auto o = at::TensorOptions().dtype(mlr::dtype(dtype)).device(mlr::device(device_type, device_index));
  if (pin != 0) o = o.pinned_memory(true);
  return o;
}

mlr_tensor finish(at::Tensor t, int32_t requires_grad) {
  if (requires_grad != 0) t.requires_grad_(true);
  return mlr::wrap(std::move(t));
}

}  // namespace

MLR_API mlr_status mlr_creation_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                      int32_t device_index, int32_t requires_grad, int32_t pin, mlr_tensor* out) {
  return mlr::guard([&] {
    *out = finish(at::empty(mlr::dims(shape, ndim), options(dtype, device_type, device_index, pin)), requires_grad);
  });
}

MLR_API mlr_status mlr_creation_full(const int64_t* shape, int32_t ndim, mlr_scalar value, int32_t dtype,
                                     int32_t device_type, int32_t device_index, int32_t requires_grad,
                                     mlr_tensor* out) {
  return mlr::guard([&] {
    auto o = options(dtype, device_type, device_index, 0);
    *out = finish(at::full(mlr::dims(shape, ndim), mlr::scalar(value), o), requires_grad);
  });
}

// dtype < 0 infers it as PyTorch does: int64 when start, end and step are all integers, else float32.
MLR_API mlr_status mlr_creation_arange(mlr_scalar start, mlr_scalar end, mlr_scalar step, int32_t dtype,
                                       int32_t device_type, int32_t device_index, int32_t requires_grad,
                                       mlr_tensor* out) {
  return mlr::guard([&] {
    auto o = at::TensorOptions().device(mlr::device(device_type, device_index));
    if (dtype >= 0) {
      o = o.dtype(mlr::dtype(dtype));
    } else {
      bool integral = start.kind != 0 && end.kind != 0 && step.kind != 0;
      o = o.dtype(integral ? at::kLong : at::kFloat);
    }
    *out = finish(at::arange(mlr::scalar(start), mlr::scalar(end), mlr::scalar(step), o), requires_grad);
  });
}

MLR_API mlr_status mlr_creation_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t device_type,
                                         int32_t device_index, int32_t requires_grad, mlr_tensor* out) {
  return mlr::guard([&] {
    auto o = options(dtype, device_type, device_index, 0);
    *out = finish(at::linspace(start, end, steps, o), requires_grad);
  });
}

// m < 0 makes a square n x n identity.
MLR_API mlr_status mlr_creation_eye(int64_t n, int64_t m, int32_t dtype, int32_t device_type, int32_t device_index,
                                    int32_t requires_grad, mlr_tensor* out) {
  return mlr::guard([&] {
    auto o = options(dtype, device_type, device_index, 0);
    *out = finish(m < 0 ? at::eye(n, o) : at::eye(n, m, o), requires_grad);
  });
}

// kind: 0 rand (uniform [0, 1)), 1 randn, 2 randint in [low, high).
MLR_API mlr_status mlr_creation_random(int32_t kind, const int64_t* shape, int32_t ndim, int64_t low, int64_t high,
                                       int32_t dtype, int32_t device_type, int32_t device_index,
                                       int32_t requires_grad, mlr_tensor* out) {
  return mlr::guard([&] {
    auto o = options(dtype, device_type, device_index, 0);
    auto size = mlr::dims(shape, ndim);
    at::Tensor t;
    switch (kind) {
      case 0: t = at::rand(size, o); break;
      case 1: t = at::randn(size, o); break;
      case 2: t = at::randint(low, high, size, o); break;
      default: throw mlr::ArgumentError("unknown random kind " + std::to_string(kind));
    }
    *out = finish(std::move(t), requires_grad);
  });
}

MLR_API mlr_status mlr_creation_randperm(int64_t n, int32_t dtype, int32_t device_type, int32_t device_index,
                                         mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::randperm(n, options(dtype, device_type, device_index, 0))); });
}
