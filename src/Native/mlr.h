// Shared by every shim file: the C ABI conventions and the one error-translation helper.
//
// Conventions (mirrored by src/MLRoadmap.Engine/Interop):
//  - Every export is named mlr_<area>_<op> and is declared with MLR_API.
//  - A guarded export returns mlr_status (0 = ok) and writes results through out-pointers. Its whole body is
//    `return mlr::guard([&] { ... });`, so no C++ exception (not even a non-std one) ever crosses into .NET.
//  - The few exports that cannot fail are marked noexcept and return a value directly (MLR_API ... noexcept).
//  - Tensors cross the boundary as heap-allocated at::Tensor* (mlr_tensor), created only by mlr::wrap and freed
//    only by mlr_tensor_free, so the live-handle counter is exact.
//  - A null mlr_tensor means "no tensor" (PyTorch's None) for optional inputs and outputs.
#pragma once

#include <ATen/ATen.h>
#include <torch/version.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#define MLR_API extern "C" __attribute__((visibility("default")))

// Version gates for APIs that differ between libtorch 1.13 (Debian 12) and 2.x (pip torch, trixie).
#define MLR_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

typedef at::Tensor* mlr_tensor;
typedef int32_t mlr_status;

// Error kinds. The C# side maps each to an exception type (Interop/Interop.Errors.cs).
enum mlr_error_kind : int32_t {
  MLR_OK = 0,
  MLR_ERR_TORCH = 1,            // c10::Error: libtorch's RuntimeError (shape mismatch, bad dtype, ...)
  MLR_ERR_OUT_OF_MEMORY = 2,    // c10::OutOfMemoryError, std::bad_alloc, or the CPU allocator's refusal
  MLR_ERR_INDEX = 3,            // c10::IndexError
  MLR_ERR_VALUE = 4,            // c10::ValueError
  MLR_ERR_TYPE = 5,             // c10::TypeError
  MLR_ERR_NOT_IMPLEMENTED = 6,  // c10::NotImplementedError
  MLR_ERR_LINALG = 7,           // c10::LinAlgError
  MLR_ERR_ARGUMENT = 8,         // an argument the shim itself refused (null handle, unknown dtype code, ...)
  MLR_ERR_STD = 9,              // any other std::exception
  MLR_ERR_UNKNOWN = 10,         // a throw of something that is not a std::exception
};

// A number crossing the boundary. kind: 0 = double (bits hold its IEEE-754 pattern), 1 = int64, 2 = bool.
// Two 8-byte words, so the SysV ABI passes it in registers.
struct mlr_scalar {
  int64_t bits;
  int32_t kind;
  int32_t reserved;
};

namespace mlr {

// Thrown by the shim for arguments it refuses itself; surfaces as MLR_ERR_ARGUMENT.
struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Classifies the in-flight exception, stores its message in thread-local storage, returns its kind.
// Only ever called from inside a catch block.
mlr_status translate_current_exception() noexcept;

// The one error-translation helper: every guarded export's body runs inside it.
template <class F>
inline mlr_status guard(F&& body) noexcept {
  try {
    body();
    return MLR_OK;
  } catch (...) {
    return translate_current_exception();
  }
}

extern std::atomic<int64_t> live_tensor_handles;

inline mlr_tensor wrap(at::Tensor t) {
  auto* h = new at::Tensor(std::move(t));
  live_tensor_handles.fetch_add(1, std::memory_order_relaxed);
  return h;
}

// Undefined tensors (PyTorch's None) come back as null handles rather than as handles to nothing.
inline mlr_tensor wrap_optional(at::Tensor t) { return t.defined() ? wrap(std::move(t)) : nullptr; }

inline at::Tensor& get(mlr_tensor h, const char* what = "tensor") {
  if (h == nullptr) throw ArgumentError(std::string(what) + " is null (disposed or never created)");
  return *h;
}

// Optional tensor input: null handle -> undefined tensor.
inline at::Tensor opt(mlr_tensor h) { return h == nullptr ? at::Tensor() : *h; }
inline c10::optional<at::Tensor> opt_arg(mlr_tensor h) {
  return h == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(*h);
}

at::ScalarType dtype(int32_t code);
c10::Device device(int32_t type, int32_t index);
at::Scalar scalar(mlr_scalar s);
at::IntArrayRef dims(const int64_t* values, int32_t count, const char* what = "shape");
std::vector<at::Tensor> tensors(const mlr_tensor* handles, int32_t count, const char* what = "tensors");

// Hands a list of new tensors to the caller as a native array freed by mlr_tensor_array_free.
void wrap_list(const std::vector<at::Tensor>& list, mlr_tensor** out, int32_t* count);

}  // namespace mlr
