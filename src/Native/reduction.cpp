// Reductions, softmax, sorting and whole-tensor comparisons.
#include "mlr.h"
#include "ops.h"

namespace {

using mlr::ReduceOp;

c10::optional<at::ScalarType> opt_dtype(int32_t dtype) {
  return dtype < 0 ? c10::optional<at::ScalarType>() : c10::optional<at::ScalarType>(mlr::dtype(dtype));
}

// ndim < 0 reduces over every dimension, as calling the op without a dim does in PyTorch.
at::Tensor reduce(ReduceOp op, const at::Tensor& t, at::IntArrayRef dims, bool all_dims, bool keepdim,
                  c10::optional<at::ScalarType> dtype) {
  // Whole-tensor sum/mean go through the no-dim overloads, as x.sum() does in PyTorch (same kernel, same grad_fn).
  if (all_dims && !keepdim && op == ReduceOp::sum) return at::sum(t, dtype);
  if (all_dims && !keepdim && op == ReduceOp::mean) return at::mean(t, dtype);
  std::vector<int64_t> every;
  if (all_dims) {
    every.resize(static_cast<size_t>(t.dim()));
    for (int64_t i = 0; i < t.dim(); ++i) every[static_cast<size_t>(i)] = i;
    dims = every;
  }
  switch (op) {
    case ReduceOp::sum: return at::sum(t, dims, keepdim, dtype);
    case ReduceOp::mean: return at::mean(t, dims, keepdim, dtype);
    case ReduceOp::amax: return at::amax(t, dims, keepdim);
    case ReduceOp::amin: return at::amin(t, dims, keepdim);
    case ReduceOp::logsumexp: return at::logsumexp(t, dims, keepdim);
    case ReduceOp::nansum: return at::nansum(t, dims, keepdim, dtype);
    case ReduceOp::all:
    case ReduceOp::any:
    case ReduceOp::prod: {
      // These take one dim at a time in libtorch 1.13; reduce the listed dims from the last to the first.
      if (all_dims && !keepdim) {
        if (op == ReduceOp::all) return at::all(t);
        if (op == ReduceOp::any) return at::any(t);
        return at::prod(t, dtype);
      }
      std::vector<int64_t> sorted(dims.begin(), dims.end());
      for (auto& d : sorted) d = c10::maybe_wrap_dim(d, t.dim());
      std::sort(sorted.rbegin(), sorted.rend());
      at::Tensor r = t;
      for (auto d : sorted) {
        if (op == ReduceOp::all) r = at::all(r, d, keepdim);
        else if (op == ReduceOp::any) r = at::any(r, d, keepdim);
        else r = at::prod(r, d, keepdim, dtype);
      }
      return r;
    }
    default: throw mlr::ArgumentError("unknown reduce op code " + std::to_string(static_cast<int32_t>(op)));
  }
}

}  // namespace

MLR_API mlr_status mlr_reduction_reduce(int32_t op, mlr_tensor a, const int64_t* dims, int32_t ndim, int32_t keepdim,
                                        int32_t dtype, mlr_tensor* out) {
  return mlr::guard([&] {
    bool all_dims = ndim < 0;
    auto d = all_dims ? at::IntArrayRef() : mlr::dims(dims, ndim, "dims");
    *out = mlr::wrap(reduce(static_cast<ReduceOp>(op), mlr::get(a), d, all_dims, keepdim != 0, opt_dtype(dtype)));
  });
}

// kind 0 var, 1 std. correction: 1 is Bessel's (unbiased), 0 the population statistic.
MLR_API mlr_status mlr_reduction_var_std(int32_t kind, mlr_tensor a, const int64_t* dims, int32_t ndim,
                                         int64_t correction, int32_t keepdim, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    at::OptionalIntArrayRef d = ndim < 0 ? at::OptionalIntArrayRef() : at::OptionalIntArrayRef(mlr::dims(dims, ndim, "dims"));
    c10::optional<int64_t> c = correction;
    *out = mlr::wrap(kind == 0 ? at::var(t, d, c, keepdim != 0) : at::std(t, d, c, keepdim != 0));
  });
}

// p-norm over dims (ndim < 0: all). p = inf / -inf allowed.
MLR_API mlr_status mlr_reduction_norm(mlr_tensor a, double p, const int64_t* dims, int32_t ndim, int32_t keepdim,
                                      mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    if (ndim < 0) {
      *out = mlr::wrap(keepdim != 0 ? at::norm(t, p, at::IntArrayRef(), true) : at::norm(t, p));
      return;
    }
    *out = mlr::wrap(at::norm(t, p, mlr::dims(dims, ndim, "dims"), keepdim != 0));
  });
}

// Values and indices of the max (is_min = 0) or min along one dim.
MLR_API mlr_status mlr_reduction_max_dim(mlr_tensor a, int64_t dim, int32_t keepdim, int32_t is_min,
                                         mlr_tensor* values, mlr_tensor* indices) {
  return mlr::guard([&] {
    auto r = is_min != 0 ? at::min(mlr::get(a), dim, keepdim != 0) : at::max(mlr::get(a), dim, keepdim != 0);
    *values = mlr::wrap(std::get<0>(r));
    *indices = mlr::wrap(std::get<1>(r));
  });
}

// argmax / argmin; has_dim = 0 means over the flattened tensor.
MLR_API mlr_status mlr_reduction_argmax(mlr_tensor a, int64_t dim, int32_t has_dim, int32_t keepdim, int32_t is_min,
                                        mlr_tensor* out) {
  return mlr::guard([&] {
    c10::optional<int64_t> d;
    if (has_dim != 0) d = dim;
    *out = mlr::wrap(is_min != 0 ? at::argmin(mlr::get(a), d, keepdim != 0) : at::argmax(mlr::get(a), d, keepdim != 0));
  });
}

// softmax (log = 0) or log_softmax along dim, optionally computing in dtype.
MLR_API mlr_status mlr_reduction_softmax(mlr_tensor a, int64_t dim, int32_t log, int32_t dtype, mlr_tensor* out) {
  return mlr::guard([&] {
    auto d = opt_dtype(dtype);
    *out = mlr::wrap(log != 0 ? at::log_softmax(mlr::get(a), dim, d) : at::softmax(mlr::get(a), dim, d));
  });
}

// kind 0 cumsum, 1 cumprod.
MLR_API mlr_status mlr_reduction_cumulative(int32_t kind, mlr_tensor a, int64_t dim, int32_t dtype, mlr_tensor* out) {
  return mlr::guard([&] {
    auto d = opt_dtype(dtype);
    *out = mlr::wrap(kind == 0 ? at::cumsum(mlr::get(a), dim, d) : at::cumprod(mlr::get(a), dim, d));
  });
}

MLR_API mlr_status mlr_reduction_sort(mlr_tensor a, int64_t dim, int32_t descending, int32_t stable,
                                      mlr_tensor* values, mlr_tensor* indices) {
  return mlr::guard([&] {
    auto r = at::sort(mlr::get(a), c10::optional<bool>(stable != 0), dim, descending != 0);
    *values = mlr::wrap(std::get<0>(r));
    *indices = mlr::wrap(std::get<1>(r));
  });
}

MLR_API mlr_status mlr_reduction_argsort(mlr_tensor a, int64_t dim, int32_t descending, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::argsort(mlr::get(a), dim, descending != 0)); });
}

MLR_API mlr_status mlr_reduction_topk(mlr_tensor a, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                                      mlr_tensor* values, mlr_tensor* indices) {
  return mlr::guard([&] {
    auto r = at::topk(mlr::get(a), k, dim, largest != 0, sorted != 0);
    *values = mlr::wrap(std::get<0>(r));
    *indices = mlr::wrap(std::get<1>(r));
  });
}

// kind 0: torch.equal (same shape and values); 1: torch.allclose(rtol, atol, equal_nan).
MLR_API mlr_status mlr_reduction_compare_all(int32_t kind, mlr_tensor a, mlr_tensor b, double rtol, double atol,
                                             int32_t equal_nan, int32_t* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(a);
    auto& y = mlr::get(b, "other");
    *out = (kind == 0 ? at::equal(x, y) : at::allclose(x, y, rtol, atol, equal_nan != 0)) ? 1 : 0;
  });
}

// Distinct values (sorted), with optional inverse indices and counts.
MLR_API mlr_status mlr_reduction_unique(mlr_tensor a, int32_t return_inverse, int32_t return_counts,
                                        mlr_tensor* values, mlr_tensor* inverse, mlr_tensor* counts) {
  return mlr::guard([&] {
    auto r = at::_unique2(mlr::get(a), true, return_inverse != 0, return_counts != 0);
    *values = mlr::wrap(std::get<0>(r));
    *inverse = return_inverse != 0 ? mlr::wrap(std::get<1>(r)) : nullptr;
    *counts = return_counts != 0 ? mlr::wrap(std::get<2>(r)) : nullptr;
  });
}
