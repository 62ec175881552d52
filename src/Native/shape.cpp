// Shape and layout ops: views, joins, splits and rearrangements.
#include "mlr.h"

// kind: 0 view, 1 reshape, 2 expand, 3 repeat, 4 permute, 5 flip, 6 broadcast_to, 7 tile.
MLR_API mlr_status mlr_shape_sized(int32_t kind, mlr_tensor a, const int64_t* sizes, int32_t n, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    auto s = mlr::dims(sizes, n, "sizes");
    at::Tensor r;
    switch (kind) {
      case 0: r = t.view(s); break;
      case 1: r = t.reshape(s); break;
      case 2: r = t.expand(s); break;
      case 3: r = t.repeat(s); break;
      case 4: r = t.permute(s); break;
      case 5: r = t.flip(s); break;
      case 6: r = at::broadcast_to(t, s); break;
      case 7: r = t.tile(s); break;
      default: throw mlr::ArgumentError("unknown sized-shape kind " + std::to_string(kind));
    }
    *out = mlr::wrap(std::move(r));
  });
}

// Ops taking up to two dims. kind: 0 transpose(d0, d1), 1 flatten(start=d0, end=d1), 2 squeeze (has_dim = d0 != LLONG_MIN),
// 3 unsqueeze(d0), 4 movedim(d0 -> d1), 5 t(), 6 tril(diagonal = d0), 7 triu(diagonal = d0), 8 diagonal(offset = d0)
// 9 roll(shifts = d0, dim = d1), 10 squeeze all dims.
MLR_API mlr_status mlr_shape_dims(int32_t kind, mlr_tensor a, int64_t d0, int64_t d1, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    at::Tensor r;
    switch (kind) {
      case 0: r = t.transpose(d0, d1); break;
      case 1: r = t.flatten(d0, d1); break;
      case 2: r = t.squeeze(d0); break;
      case 3: r = t.unsqueeze(d0); break;
      case 4: r = t.movedim(d0, d1); break;
      case 5: r = t.t(); break;
      case 6: r = t.tril(d0); break;
      case 7: r = t.triu(d0); break;
      case 8: r = t.diagonal(d0); break;
      case 9: r = t.roll(d0, d1); break;
      case 10: r = t.squeeze(); break;
      default: throw mlr::ArgumentError("unknown dims-shape kind " + std::to_string(kind));
    }
    *out = mlr::wrap(std::move(r));
  });
}

// In-place shape changes on the same handle. kind: 0 transpose_, 1 squeeze_(d0), 2 unsqueeze_(d0), 3 t_, 4 tril_, 5 triu_.
MLR_API mlr_status mlr_shape_dims_(int32_t kind, mlr_tensor a, int64_t d0, int64_t d1) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    switch (kind) {
      case 0: t.transpose_(d0, d1); break;
      case 1: t.squeeze_(d0); break;
      case 2: t.unsqueeze_(d0); break;
      case 3: t.t_(); break;
      case 4: t.tril_(d0); break;
      case 5: t.triu_(d0); break;
      default: throw mlr::ArgumentError("unknown in-place shape kind " + std::to_string(kind));
    }
  });
}

MLR_API mlr_status mlr_shape_unflatten(mlr_tensor a, int64_t dim, const int64_t* sizes, int32_t n, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(a).unflatten(dim, mlr::dims(sizes, n, "sizes"))); });
}

// kind 0 cat, 1 stack.
MLR_API mlr_status mlr_shape_join(int32_t kind, const mlr_tensor* list, int32_t count, int64_t dim, mlr_tensor* out) {
  return mlr::guard([&] {
    auto ts = mlr::tensors(list, count);
    *out = mlr::wrap(kind == 0 ? at::cat(ts, dim) : at::stack(ts, dim));
  });
}

// kind 0: split into pieces of size sizes[0]; 1: split with the listed sizes; 2: chunk into sizes[0] chunks;
// 3: unbind (sizes ignored).
MLR_API mlr_status mlr_shape_split(int32_t kind, mlr_tensor a, const int64_t* sizes, int32_t n, int64_t dim,
                                   mlr_tensor** out, int32_t* count) {
  return mlr::guard([&] {
    auto& t = mlr::get(a);
    std::vector<at::Tensor> parts;
    switch (kind) {
      case 0:
        if (n != 1) throw mlr::ArgumentError("split by size takes exactly one size");
        parts = t.split(sizes[0], dim);
        break;
      case 1: parts = t.split_with_sizes(mlr::dims(sizes, n, "split sizes"), dim); break;
      case 2:
        if (n != 1) throw mlr::ArgumentError("chunk takes exactly one chunk count");
        parts = t.chunk(sizes[0], dim);
        break;
      case 3: parts = t.unbind(dim); break;
      default: throw mlr::ArgumentError("unknown split kind " + std::to_string(kind));
    }
    mlr::wrap_list(parts, out, count);
  });
}

MLR_API mlr_status mlr_shape_narrow(mlr_tensor a, int64_t dim, int64_t start, int64_t length, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(a).narrow(dim, start, length)); });
}

MLR_API mlr_status mlr_shape_select(mlr_tensor a, int64_t dim, int64_t index, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(a).select(dim, index)); });
}

// Same-shape view with a new dtype of equal element size is not supported; this is a plain as_strided for experts.
MLR_API mlr_status mlr_shape_as_strided(mlr_tensor a, const int64_t* sizes, const int64_t* strides, int32_t n,
                                        int64_t offset, mlr_tensor* out) {
  return mlr::guard([&] {
    *out = mlr::wrap(mlr::get(a).as_strided(mlr::dims(sizes, n, "sizes"), mlr::dims(strides, n, "strides"), offset));
  });
}
