// Tensor handles: lifetime, metadata, host <-> tensor copies, device/dtype conversion.
#include "mlr.h"

#include <cstring>
#include <sstream>

namespace {
thread_local std::string printed;
}

// Frees one handle. The at::Tensor's refcount drops; storage goes when nothing else (views, autograd) holds it.
MLR_API void mlr_tensor_free(mlr_tensor h) noexcept {
  if (h == nullptr) return;
  delete h;
  mlr::live_tensor_handles.fetch_sub(1, std::memory_order_relaxed);
}

// Frees an array returned by a list-producing export (split, chunk, ...). The handles in it were taken over.
MLR_API void mlr_tensor_array_free(mlr_tensor* array) noexcept { delete[] array; }

// Number of handles alive right now: the figure the memory tests hold at baseline.
MLR_API int64_t mlr_tensor_live_count() noexcept { return mlr::live_tensor_handles.load(std::memory_order_relaxed); }

// A second handle to the same tensor (shares storage and autograd identity).
MLR_API mlr_status mlr_tensor_alias(mlr_tensor h, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(h)); });
}

MLR_API mlr_status mlr_tensor_defined(mlr_tensor h, int32_t* out) {
  return mlr::guard([&] { *out = mlr::get(h).defined() ? 1 : 0; });
}

MLR_API mlr_status mlr_tensor_dim(mlr_tensor h, int32_t* out) {
  return mlr::guard([&] { *out = static_cast<int32_t>(mlr::get(h).dim()); });
}

// Writes min(capacity, dim) sizes; *ndim receives dim so the caller can retry with a larger buffer.
MLR_API mlr_status mlr_tensor_sizes(mlr_tensor h, int64_t* buffer, int32_t capacity, int32_t* ndim) {
  return mlr::guard([&] {
    auto sizes = mlr::get(h).sizes();
    *ndim = static_cast<int32_t>(sizes.size());
    for (int32_t i = 0; i < capacity && i < *ndim; ++i) buffer[i] = sizes[i];
  });
}

MLR_API mlr_status mlr_tensor_strides(mlr_tensor h, int64_t* buffer, int32_t capacity, int32_t* ndim) {
  return mlr::guard([&] {
    auto strides = mlr::get(h).strides();
    *ndim = static_cast<int32_t>(strides.size());
    for (int32_t i = 0; i < capacity && i < *ndim; ++i) buffer[i] = strides[i];
  });
}

MLR_API mlr_status mlr_tensor_numel(mlr_tensor h, int64_t* out) {
  return mlr::guard([&] { *out = mlr::get(h).numel(); });
}

MLR_API mlr_status mlr_tensor_dtype(mlr_tensor h, int32_t* out) {
  return mlr::guard([&] { *out = static_cast<int32_t>(mlr::get(h).scalar_type()); });
}

MLR_API mlr_status mlr_tensor_device(mlr_tensor h, int32_t* type, int32_t* index) {
  return mlr::guard([&] {
    auto d = mlr::get(h).device();
    *type = static_cast<int32_t>(d.type());
    *index = d.has_index() ? d.index() : -1;
  });
}

// Bit flags: 1 contiguous, 2 pinned host memory, 4 requires grad, 8 leaf, 16 is a view.
MLR_API mlr_status mlr_tensor_flags(mlr_tensor h, int32_t* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(h);
    int32_t f = 0;
    if (t.is_contiguous()) f |= 1;
    if (t.is_cpu() && t.is_pinned()) f |= 2;
    if (t.requires_grad()) f |= 4;
    if (t.is_leaf()) f |= 8;
    if (t.is_view()) f |= 16;
    *out = f;
  });
}

// Copies `bytes` bytes of host memory into a new tensor of the given shape and dtype, then moves it to the device.
// The byte count is checked against the shape so a wrong-length buffer is an error, never an over-read.
MLR_API mlr_status mlr_tensor_from_host(const void* data, int64_t bytes, const int64_t* shape, int32_t ndim,
                                        int32_t dtype, int32_t device_type, int32_t device_index,
                                        int32_t requires_grad, mlr_tensor* out) {
  return mlr::guard([&] {
    auto options = at::TensorOptions().dtype(mlr::dtype(dtype));
    auto t = at::empty(mlr::dims(shape, ndim), options);
    auto expected = static_cast<int64_t>(t.nbytes());
    if (bytes != expected) {
      throw mlr::ArgumentError("host buffer holds " + std::to_string(bytes) + " bytes but shape " +
                               c10::str(t.sizes()) + " of " + c10::toString(t.scalar_type()) + " needs " +
                               std::to_string(expected));
    }
    if (bytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(bytes));
    auto dev = mlr::device(device_type, device_index);
    if (!dev.is_cpu()) t = t.to(dev);
    if (requires_grad != 0) t.requires_grad_(true);
    *out = mlr::wrap(std::move(t));
  });
}

// Copies the tensor's elements, in row-major order, into a host buffer of exactly its byte size. Works for any
// device and layout: non-contiguous or device tensors are first made contiguous on the CPU.
MLR_API mlr_status mlr_tensor_to_host(mlr_tensor h, void* buffer, int64_t bytes) {
  return mlr::guard([&] {
    at::Tensor t = mlr::get(h).detach();
    if (!t.is_cpu()) t = t.cpu();
    t = t.contiguous();
    auto needed = static_cast<int64_t>(t.nbytes());
    if (bytes != needed) {
      throw mlr::ArgumentError("destination holds " + std::to_string(bytes) + " bytes but the tensor has " +
                               std::to_string(needed));
    }
    if (bytes > 0) std::memcpy(buffer, t.data_ptr(), static_cast<size_t>(bytes));
  });
}

// The value of a one-element tensor: kind 0 double, 1 int64, 2 bool (as in mlr_scalar).
MLR_API mlr_status mlr_tensor_item(mlr_tensor h, mlr_scalar* out) {
  return mlr::guard([&] {
    auto s = mlr::get(h).item();
    if (s.isBoolean()) {
      out->kind = 2;
      out->bits = s.toBool() ? 1 : 0;
    } else if (s.isIntegral(false)) {
      out->kind = 1;
      out->bits = s.toLong();
    } else {
      out->kind = 0;
      double d = s.toDouble();
      std::memcpy(&out->bits, &d, sizeof d);
    }
    out->reserved = 0;
  });
}

// dtype < 0 keeps the dtype. copy != 0 forces a new tensor even when nothing changes.
MLR_API mlr_status mlr_tensor_to(mlr_tensor h, int32_t dtype, int32_t device_type, int32_t device_index,
                                 int32_t non_blocking, int32_t copy, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(h);
    auto st = dtype < 0 ? t.scalar_type() : mlr::dtype(dtype);
    auto dev = device_type < 0 ? t.device() : mlr::device(device_type, device_index);
    *out = mlr::wrap(t.to(dev, st, non_blocking != 0, copy != 0));
  });
}

MLR_API mlr_status mlr_tensor_copy_(mlr_tensor dst, mlr_tensor src, int32_t non_blocking) {
  return mlr::guard([&] { mlr::get(dst, "destination").copy_(mlr::get(src, "source"), non_blocking != 0); });
}

MLR_API mlr_status mlr_tensor_clone(mlr_tensor h, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(h).clone()); });
}

namespace {

// format: 0 row-major (NCHW), 1 channels_last (NHWC, 4-D), 2 channels_last_3d (NDHWC, 5-D); the managed MemoryFormat.
at::MemoryFormat memory_format(int32_t format, const at::Tensor& t) {
  switch (format) {
    case 0: return at::MemoryFormat::Contiguous;
    case 1:
      if (t.dim() != 4) throw mlr::ArgumentError("channels_last needs a 4-D (N, C, H, W) tensor, got " + std::to_string(t.dim()) + "-D");
      return at::MemoryFormat::ChannelsLast;
    case 2:
      if (t.dim() != 5) throw mlr::ArgumentError("channels_last_3d needs a 5-D (N, C, D, H, W) tensor, got " + std::to_string(t.dim()) + "-D");
      return at::MemoryFormat::ChannelsLast3d;
    default: throw mlr::ArgumentError("unknown memory format " + std::to_string(format));
  }
}

}  // namespace

MLR_API mlr_status mlr_tensor_contiguous(mlr_tensor h, int32_t format, mlr_tensor* out) {
  return mlr::guard([&] {
    const auto& t = mlr::get(h);
    *out = mlr::wrap(t.contiguous(memory_format(format, t)));
  });
}

MLR_API mlr_status mlr_tensor_is_contiguous(mlr_tensor h, int32_t format, int32_t* out) {
  return mlr::guard([&] {
    const auto& t = mlr::get(h);
    *out = t.is_contiguous(memory_format(format, t)) ? 1 : 0;
  });
}

// Pinned (page-locked) host memory, so a later non-blocking copy to CUDA can overlap compute. Needs a CUDA build.
MLR_API mlr_status mlr_tensor_pin_memory(mlr_tensor h, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(h).pin_memory()); });
}

// Replaces the tensor's data while keeping its identity, so handles held by optimizers stay valid (Module.To).
MLR_API mlr_status mlr_tensor_set_data(mlr_tensor h, mlr_tensor data) {
  return mlr::guard([&] { mlr::get(h).set_data(mlr::get(data, "data")); });
}

// PyTorch's printed form. The string stays valid until the next call on this thread.
MLR_API mlr_status mlr_tensor_to_string(mlr_tensor h, const char** out) {
  return mlr::guard([&] {
    std::ostringstream os;
    os << mlr::get(h);
    printed = os.str();
    *out = printed.c_str();
  });
}
