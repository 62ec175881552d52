// Argument conversion shared by the shim files. No exports live here.
#include "mlr.h"

#include <cstring>

namespace mlr {

std::atomic<int64_t> live_tensor_handles{0};

at::ScalarType dtype(int32_t code) {
  switch (code) {
    case static_cast<int32_t>(at::kByte):
    case static_cast<int32_t>(at::kChar):
    case static_cast<int32_t>(at::kShort):
    case static_cast<int32_t>(at::kInt):
    case static_cast<int32_t>(at::kLong):
    case static_cast<int32_t>(at::kHalf):
    case static_cast<int32_t>(at::kFloat):
    case static_cast<int32_t>(at::kDouble):
    case static_cast<int32_t>(at::kComplexFloat):
    case static_cast<int32_t>(at::kComplexDouble):
    case static_cast<int32_t>(at::kBool):
    case static_cast<int32_t>(at::kBFloat16):
      return static_cast<at::ScalarType>(code);
    default:
      throw ArgumentError("unsupported dtype code " + std::to_string(code));
  }
}

c10::Device device(int32_t type, int32_t index) {
  if (type != static_cast<int32_t>(c10::DeviceType::CPU) && type != static_cast<int32_t>(c10::DeviceType::CUDA) &&
      type != static_cast<int32_t>(c10::DeviceType::Meta)) {
    throw ArgumentError("unsupported device type code " + std::to_string(type));
  }
  if (index < -1 || index > 127) throw ArgumentError("device index " + std::to_string(index) + " is out of range");
  return c10::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}

at::Scalar scalar(mlr_scalar s) {
  switch (s.kind) {
    case 0: {
      double d;
      std::memcpy(&d, &s.bits, sizeof d);
      return at::Scalar(d);
    }
    case 1: return at::Scalar(static_cast<int64_t>(s.bits));
    case 2: return at::Scalar(s.bits != 0);
    default: throw ArgumentError("unknown scalar kind " + std::to_string(s.kind));
  }
}

at::IntArrayRef dims(const int64_t* values, int32_t count, const char* what) {
  if (count < 0) throw ArgumentError(std::string(what) + ": negative length " + std::to_string(count));
  if (count > 0 && values == nullptr) throw ArgumentError(std::string(what) + " is null");
  return at::IntArrayRef(values, static_cast<size_t>(count));
}

std::vector<at::Tensor> tensors(const mlr_tensor* handles, int32_t count, const char* what) {
  if (count < 0) throw ArgumentError(std::string(what) + ": negative length " + std::to_string(count));
  if (count > 0 && handles == nullptr) throw ArgumentError(std::string(what) + " is null");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    if (handles[i] == nullptr) throw ArgumentError(std::string(what) + "[" + std::to_string(i) + "] is null");
    list.push_back(*handles[i]);
  }
  return list;
}

void wrap_list(const std::vector<at::Tensor>& list, mlr_tensor** out, int32_t* count) {
  auto* array = new mlr_tensor[list.size() == 0 ? 1 : list.size()];
  for (size_t i = 0; i < list.size(); ++i) array[i] = wrap_optional(list[i]);
  *out = array;
  *count = static_cast<int32_t>(list.size());
}

}  // namespace mlr
