// Random number state and random fills. All draws use libtorch's default generators, so a seed gives the same
// numbers as PyTorch with the same seed.
#include "mlr.h"

#include <ATen/CPUGeneratorImpl.h>
#include <mutex>

namespace {

at::Generator generator_for(int32_t device_type, int32_t device_index) {
  auto dev = mlr::device(device_type, device_index);
  if (dev.is_cpu()) return at::detail::getDefaultCPUGenerator();
  if (!at::hasCUDA()) throw mlr::ArgumentError("no CUDA device is available for " + dev.str());
  return at::globalContext().defaultGenerator(dev.has_index() ? dev : c10::Device(c10::kCUDA, 0));
}

}  // namespace

// Seeds the CPU generator and every CUDA device's generator (torch.manual_seed).
MLR_API mlr_status mlr_random_manual_seed(uint64_t seed) {
  return mlr::guard([&] {
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    if (at::hasCUDA()) {
      auto n = at::detail::getCUDAHooks().getNumGPUs();
      for (int i = 0; i < n; ++i) {
        auto gen = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
      }
    }
  });
}

MLR_API mlr_status mlr_random_initial_seed(int32_t device_type, int32_t device_index, uint64_t* out) {
  return mlr::guard([&] { *out = generator_for(device_type, device_index).current_seed(); });
}

// The generator's full state as a uint8 tensor: the same bytes torch.get_rng_state() returns for the CPU.
MLR_API mlr_status mlr_random_get_state(int32_t device_type, int32_t device_index, mlr_tensor* out) {
  return mlr::guard([&] {
    auto gen = generator_for(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = mlr::wrap(gen.get_state());
  });
}

MLR_API mlr_status mlr_random_set_state(int32_t device_type, int32_t device_index, mlr_tensor state) {
  return mlr::guard([&] {
    auto& s = mlr::get(state, "state");
    if (s.scalar_type() != at::kByte || !s.is_cpu()) throw mlr::ArgumentError("RNG state must be a CPU uint8 tensor");
    auto gen = generator_for(device_type, device_index);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s);
  });
}

// In-place random fills. kind: 0 uniform_(a, b), 1 normal_(mean a, std b), 2 bernoulli_(p a), 3 random_(from a, to b),
// 4 exponential_(lambda a), 5 log_normal_(mean a, std b), 6 cauchy_(median a, sigma b), 7 geometric_(p a).
MLR_API mlr_status mlr_random_fill_(int32_t kind, mlr_tensor t, double a, double b) {
  return mlr::guard([&] {
    auto& x = mlr::get(t);
    switch (kind) {
      case 0: x.uniform_(a, b); break;
      case 1: x.normal_(a, b); break;
      case 2: x.bernoulli_(a); break;
      case 3: x.random_(static_cast<int64_t>(a), static_cast<int64_t>(b)); break;
      case 4: x.exponential_(a); break;
      case 5: x.log_normal_(a, b); break;
      case 6: x.cauchy_(a, b); break;
      case 7: x.geometric_(a); break;
      default: throw mlr::ArgumentError("unknown random fill kind " + std::to_string(kind));
    }
  });
}

// A 0/1 draw per element with the element's probability.
MLR_API mlr_status mlr_random_bernoulli(mlr_tensor probs, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::bernoulli(mlr::get(probs, "probabilities"))); });
}

MLR_API mlr_status mlr_random_multinomial(mlr_tensor probs, int64_t samples, int32_t replacement, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::multinomial(mlr::get(probs, "probabilities"), samples, replacement != 0)); });
}
