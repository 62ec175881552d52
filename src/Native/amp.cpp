// Automatic mixed precision: autocast state and the gradient scaler's kernels.
#include "mlr.h"

#include <ATen/autocast_mode.h>

namespace {

at::DeviceType autocast_device(int32_t device_type) {
  if (device_type == static_cast<int32_t>(c10::DeviceType::CPU)) return at::kCPU;
  if (device_type == static_cast<int32_t>(c10::DeviceType::CUDA)) return at::kCUDA;
  throw mlr::ArgumentError("autocast supports cpu and cuda, not device type " + std::to_string(device_type));
}

}  // namespace

MLR_API mlr_status mlr_amp_get_autocast(int32_t device_type, int32_t* enabled, int32_t* dtype) {
  return mlr::guard([&] {
    auto dev = autocast_device(device_type);
#if MLR_TORCH_AT_LEAST(2, 4)
    *enabled = at::autocast::is_autocast_enabled(dev) ? 1 : 0;
    *dtype = static_cast<int32_t>(at::autocast::get_autocast_dtype(dev));
#else
    bool cpu = dev == at::kCPU;
    *enabled = (cpu ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled()) ? 1 : 0;
    *dtype = static_cast<int32_t>(cpu ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype());
#endif
  });
}

MLR_API mlr_status mlr_amp_set_autocast(int32_t device_type, int32_t enabled, int32_t dtype) {
  return mlr::guard([&] {
    auto dev = autocast_device(device_type);
    auto st = mlr::dtype(dtype);
    if (st != at::kHalf && st != at::kBFloat16) throw mlr::ArgumentError("autocast dtype must be float16 or bfloat16");
#if MLR_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_enabled(dev, enabled != 0);
    at::autocast::set_autocast_dtype(dev, st);
#else
    if (dev == at::kCPU) {
      at::autocast::set_cpu_enabled(enabled != 0);
      at::autocast::set_autocast_cpu_dtype(st);
    } else {
      at::autocast::set_enabled(enabled != 0);
      at::autocast::set_autocast_gpu_dtype(st);
    }
#endif
  });
}

// Entering (delta = 1) or leaving (delta = -1) an autocast region. Leaving the outermost one drops the cache of
// casted weights, as torch.autocast's __exit__ does.
MLR_API mlr_status mlr_amp_nesting(int32_t delta, int32_t* depth) {
  return mlr::guard([&] {
    if (delta > 0) {
      *depth = at::autocast::increment_nesting();
    } else {
      *depth = at::autocast::decrement_nesting();
      if (*depth == 0) at::autocast::clear_cache();
    }
  });
}

// For each grad: found_inf = 1 if any element is inf/nan; grad *= inv_scale. libtorch's fused kernel where the version
// has it for the device, else the same arithmetic from plain ops.
MLR_API mlr_status mlr_amp_unscale_(const mlr_tensor* grads, int32_t count, mlr_tensor found_inf, mlr_tensor inv_scale) {
  return mlr::guard([&] {
    auto list = mlr::tensors(grads, count, "grads");
    auto& found = mlr::get(found_inf, "found_inf");
    auto& inv = mlr::get(inv_scale, "inv_scale");
    if (list.empty()) return;
#if MLR_TORCH_AT_LEAST(2, 1)
    at::_amp_foreach_non_finite_check_and_unscale_(list, found, inv);
#else
    if (list.front().is_cuda()) {
      at::_amp_foreach_non_finite_check_and_unscale_(list, found, inv);
      return;
    }
    for (auto& g : list) {
      auto bad = at::logical_not(at::isfinite(g)).any();
      found.copy_(at::maximum(found, bad.to(found.scalar_type())));
      g.mul_(inv);
    }
#endif
  });
}

// Grows the scale by growth_factor after growth_interval clean steps, or multiplies it by backoff_factor and resets
// the tracker on a step with inf/nan.
MLR_API mlr_status mlr_amp_update_scale_(mlr_tensor scale, mlr_tensor growth_tracker, mlr_tensor found_inf,
                                         double growth_factor, double backoff_factor, int64_t growth_interval) {
  return mlr::guard([&] {
    auto& s = mlr::get(scale, "scale");
    auto& tracker = mlr::get(growth_tracker, "growth_tracker");
    auto& found = mlr::get(found_inf, "found_inf");
#if MLR_TORCH_AT_LEAST(2, 1)
    at::_amp_update_scale_(s, tracker, found, growth_factor, backoff_factor, growth_interval);
#else
    if (s.is_cuda()) {
      at::_amp_update_scale_(s, tracker, found, growth_factor, backoff_factor, growth_interval);
      return;
    }
    if (found.item<float>() > 0) {
      s.mul_(backoff_factor);
      tracker.zero_();
    } else {
      auto successful = tracker.item<int64_t>() + 1;
      if (successful == growth_interval) {
        s.mul_(growth_factor);
        tracker.zero_();
      } else {
        tracker.fill_(successful);
      }
    }
#endif
  });
}
