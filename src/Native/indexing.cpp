// Indexing: x[...] with ints, slices, masks, index tensors, None and Ellipsis; gather/scatter; where.
#include "mlr.h"

#include <ATen/TensorIndexing.h>

// One element of an index expression, as the managed side lays it out.
// kind: 0 integer (start), 1 slice (start/stop/step; flags bit0 = no start, bit1 = no stop), 2 tensor,
//       3 ellipsis, 4 none (new axis), 5 boolean (start != 0).
struct mlr_index {
  int32_t kind;
  int32_t flags;
  int64_t start;
  int64_t stop;
  int64_t step;
  mlr_tensor tensor;
};

namespace {

std::vector<at::indexing::TensorIndex> indices(const mlr_index* spec, int32_t count) {
  using namespace at::indexing;
  if (count < 0 || (count > 0 && spec == nullptr)) throw mlr::ArgumentError("index list is null or negative");
  std::vector<TensorIndex> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    const auto& s = spec[i];
    switch (s.kind) {
      case 0: list.emplace_back(s.start); break;
      case 1: {
        // Spelled as four calls so the same code compiles where Slice takes optional<int64_t> (1.13) and where it
        // takes optional<SymInt> (2.x).
        if (s.step == 0) throw mlr::ArgumentError("slice step cannot be zero");
        bool no_start = (s.flags & 1) != 0, no_stop = (s.flags & 2) != 0;
        if (no_start && no_stop) list.emplace_back(Slice(c10::nullopt, c10::nullopt, s.step));
        else if (no_start) list.emplace_back(Slice(c10::nullopt, s.stop, s.step));
        else if (no_stop) list.emplace_back(Slice(s.start, c10::nullopt, s.step));
        else list.emplace_back(Slice(s.start, s.stop, s.step));
        break;
      }
      case 2: list.emplace_back(mlr::get(s.tensor, "index tensor")); break;
      case 3: list.emplace_back(Ellipsis); break;
      case 4: list.emplace_back(None); break;
      case 5: list.emplace_back(s.start != 0); break;
      default: throw mlr::ArgumentError("unknown index kind " + std::to_string(s.kind));
    }
  }
  return list;
}

}  // namespace

MLR_API mlr_status mlr_indexing_index(mlr_tensor a, const mlr_index* spec, int32_t count, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(a).index(indices(spec, count))); });
}

// x[spec] = value (tensor, broadcast) or x[spec] = scalar when value is null.
MLR_API mlr_status mlr_indexing_index_put_(mlr_tensor a, const mlr_index* spec, int32_t count, mlr_tensor value,
                                           mlr_scalar scalar) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    auto idx = indices(spec, count);
    if (value != nullptr) t.index_put_(idx, *value); else t.index_put_(idx, mlr::scalar(scalar));
  });
}

// kind 0 index_select(dim, index), 1 gather(dim, index), 2 take_along_dim(index, dim).
MLR_API mlr_status mlr_indexing_select(int32_t kind, mlr_tensor a, int64_t dim, mlr_tensor index, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    auto& i = mlr::get(index, "index");
    at::Tensor r;
    switch (kind) {
      case 0: r = at::index_select(t, dim, i); break;
      case 1: r = at::gather(t, dim, i); break;
      case 2: r = at::take_along_dim(t, i, dim); break;
      default: throw mlr::ArgumentError("unknown select kind " + std::to_string(kind));
    }
    *out = mlr::wrap(std::move(r));
  });
}

// scatter along dim. src null: scalar value. reduce: 0 replace, 1 add (scatter_add / "sum"), 2 multiply.
// inplace != 0 writes into a and returns no handle.
MLR_API mlr_status mlr_indexing_scatter(mlr_tensor a, int64_t dim, mlr_tensor index, mlr_tensor src, mlr_scalar value,
                                        int32_t reduce, int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& self = mlr::get(a);
    auto& i = mlr::get(index, "index");
    at::Tensor target = inplace != 0 ? self : self.clone();
    switch (reduce) {
      case 0:
        if (src != nullptr) target.scatter_(dim, i, *src); else target.scatter_(dim, i, mlr::scalar(value));
        break;
      case 1:
        if (src != nullptr) {
          target.scatter_add_(dim, i, *src);
        } else {
          target.scatter_(dim, i, mlr::scalar(value), "add");
        }
        break;
      case 2:
        if (src != nullptr) target.scatter_(dim, i, *src, "multiply");
        else target.scatter_(dim, i, mlr::scalar(value), "multiply");
        break;
      default: throw mlr::ArgumentError("unknown scatter reduce " + std::to_string(reduce));
    }
    if (inplace == 0) *out = mlr::wrap(std::move(target));
  });
}

// value null: fill with the scalar. inplace as above.
MLR_API mlr_status mlr_indexing_masked_fill(mlr_tensor a, mlr_tensor mask, mlr_tensor value, mlr_scalar scalar,
                                            int32_t inplace, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    auto& m = mlr::get(mask, "mask");
    if (inplace != 0) {
      if (value != nullptr) t.masked_fill_(m, *value); else t.masked_fill_(m, mlr::scalar(scalar));
      return;
    }
    *out = mlr::wrap(value != nullptr ? t.masked_fill(m, *value) : t.masked_fill(m, mlr::scalar(scalar)));
  });
}

MLR_API mlr_status mlr_indexing_masked_select(mlr_tensor a, mlr_tensor mask, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::masked_select(mlr::get(a), mlr::get(mask, "mask"))); });
}

// where(cond, a, b); either side may be a scalar (its handle null).
MLR_API mlr_status mlr_indexing_where(mlr_tensor cond, mlr_tensor a, mlr_scalar sa, mlr_tensor b, mlr_scalar sb,
                                      mlr_tensor* out) {
  return mlr::guard([&] {
    auto& c = mlr::get(cond, "condition");
    at::Tensor r;
    if (a != nullptr && b != nullptr) r = at::where(c, *a, *b);
    else if (a != nullptr) r = at::where(c, *a, mlr::scalar(sb));
    else if (b != nullptr) r = at::where(c, mlr::scalar(sa), *b);
    else r = at::where(c, mlr::scalar(sa), mlr::scalar(sb));
    *out = mlr::wrap(std::move(r));
  });
}

// Indices of non-zero elements, shape (n, dim).
MLR_API mlr_status mlr_indexing_nonzero(mlr_tensor a, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::nonzero(mlr::get(a))); });
}

MLR_API mlr_status mlr_indexing_one_hot(mlr_tensor a, int64_t num_classes, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::one_hot(mlr::get(a), num_classes)); });
}

// torch.index_put(x, (i0, i1, ...), values, accumulate): the tensor-index form, which alone supports accumulate
// (duplicates add up instead of the last write winning). A null entry stands for a full slice.
MLR_API mlr_status mlr_indexing_index_put_tensors(mlr_tensor a, const mlr_tensor* indices, int32_t count,
                                                  mlr_tensor values, int32_t accumulate, int32_t inplace,
                                                  mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    if (count < 0 || (count > 0 && indices == nullptr)) throw mlr::ArgumentError("index list is null or negative");
    c10::List<c10::optional<at::Tensor>> list;
    for (int32_t i = 0; i < count; ++i) list.push_back(mlr::opt_arg(indices[i]));
    auto& v = mlr::get(values, "values");
    if (inplace != 0) {
      t.index_put_(list, v, accumulate != 0);
      return;
    }
    *out = mlr::wrap(t.index_put(list, v, accumulate != 0));
  });
}
