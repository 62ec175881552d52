// Optimizer steps over whole parameter groups (one call per group per step), zero_grad, and gradient clipping.
//
// A step export takes the group's parameters and, for each kind of state, an array of state handles parallel to
// them (in/out). Parameters whose .grad is undefined are skipped and their state left alone, as torch.optim does. A
// null state entry of a parameter that has a gradient is filled with a new tensor, which the caller then owns; all
// of them are made before any arithmetic, so the caller can adopt the new handles even when the step then fails.
//
// The arithmetic is PyTorch 1.13's single-tensor algorithm (foreach=False), op for op, in the same order and with
// the same scalars (computed in double, as Python does), written with at::_foreach_* multi-tensor ops. On CUDA
// those are multi-tensor kernels. On the CPU they loop over the very per-tensor kernels torch.optim calls, so results
// agree with it bit for bit; there a group is also taken one parameter at a time (see in_cache_order). Where libtorch has fused optimizer kernels (at::_fused_adam_ and friends) for the device,
// the caller may ask for them with the fused flag: fewer passes over memory, though not bitwise equal to the above.
#include "mlr.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace {

using TensorVec = std::vector<at::Tensor>;

// Optimizer kinds, for mlr_optim_fused_available.
enum Kind : int32_t { kSgd = 0, kAdam = 1, kAdamW = 2, kRmsprop = 3 };

// Flags of the step exports.
constexpr int32_t kFlagMaximize = 1;
constexpr int32_t kFlagFused = 2;
constexpr int32_t kFlagNesterov = 4;  // SGD
constexpr int32_t kFlagAmsgrad = 4;   // Adam, AdamW
constexpr int32_t kFlagCentered = 4;  // RMSprop

bool fused_available(int32_t kind, c10::DeviceType device) {
#if MLR_TORCH_AT_LEAST(2, 4)
  return kind != kRmsprop && (device == c10::DeviceType::CPU || device == c10::DeviceType::CUDA);
#elif MLR_TORCH_AT_LEAST(2, 1)
  return (kind == kAdam || kind == kAdamW) && device == c10::DeviceType::CUDA;
#else
  return false;
#endif
}

template <class T>
std::string text(const T& value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

// The parameters of a group that have a gradient, and where each sits in the caller's arrays.
struct Active {
  TensorVec params;
  TensorVec grads;
  std::vector<int32_t> index;

  size_t size() const { return params.size(); }
  bool empty() const { return params.empty(); }
};

Active active(const mlr_tensor* params, int32_t count) {
  auto all = mlr::tensors(params, count, "params");
  Active a;
  for (int32_t i = 0; i < count; ++i) {
    auto& p = all[static_cast<size_t>(i)];
    const auto& g = p.grad();
    if (!g.defined()) continue;
    if (g.is_sparse()) throw mlr::ArgumentError("parameter " + std::to_string(i) + " has a sparse gradient; sparse gradients are not supported");
    a.params.push_back(p);
    a.grads.push_back(g);
    a.index.push_back(i);
  }
  return a;
}

// One kind of state for the active parameters. Missing entries are made by make(k) and written back to slots (and
// flagged in *created when given); existing ones must have their parameter's shape, or one element for a step count.
template <class Make>
TensorVec state(mlr_tensor* slots, const Active& a, const char* name, bool scalar, Make make,
                std::vector<bool>* created = nullptr) {
  if (slots == nullptr) throw mlr::ArgumentError(std::string(name) + " array is null");
  TensorVec out;
  out.reserve(a.size());
  if (created != nullptr) created->assign(a.size(), false);
  for (size_t k = 0; k < a.size(); ++k) {
    auto& slot = slots[a.index[k]];
    if (slot == nullptr) {
      slot = mlr::wrap(make(k));
      if (created != nullptr) (*created)[k] = true;
    }
    const auto& t = *slot;
    bool fits = scalar ? t.numel() == 1 : t.sizes() == a.params[k].sizes();
    if (!fits) {
      throw mlr::ArgumentError(std::string(name) + " of parameter " + std::to_string(a.index[k]) + " has shape " +
                               text(t.sizes()) + " but the parameter has shape " + text(a.params[k].sizes()));
    }
    out.push_back(t);
  }
  return out;
}

TensorVec zeros_state(mlr_tensor* slots, const Active& a, const char* name) {
  return state(slots, a, name, false, [&](size_t k) { return at::zeros_like(a.params[k], at::MemoryFormat::Preserve); });
}

// Step counts are float32 scalars: on the CPU, as torch.optim keeps them (so reading one costs no device sync), or
// on the parameter's device for the fused kernels, which read them there.
TensorVec step_state(mlr_tensor* slots, const Active& a, bool on_device) {
  return state(slots, a, "step", true, [&](size_t k) {
    auto device = on_device ? a.params[k].device() : c10::Device(c10::DeviceType::CPU);
    return at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(device));
  });
}

// step += 1 for each count; returns the new values. CPU float32 counts (the usual case) are bumped through their
// data pointer: the same float addition `step_t += 1` makes, without a dispatcher round trip per parameter.
std::vector<double> increment(TensorVec& steps) {
  bool direct = true;
  for (const auto& s : steps) direct = direct && s.is_cpu() && s.scalar_type() == at::kFloat && s.is_contiguous();
  std::vector<double> values(steps.size());
  if (direct) {
    for (size_t k = 0; k < steps.size(); ++k) {
      float* v = steps[k].data_ptr<float>();
      *v += 1.0f;
      values[k] = *v;
    }
    return values;
  }
  at::_foreach_add_(steps, 1);
  for (size_t k = 0; k < steps.size(); ++k) values[k] = steps[k].item<double>();
  return values;
}

// The gradient the update uses: -grad when maximizing, then + weight_decay * param. A new list: .grad is never
// modified (torch 1.13's foreach Adam adds the decay into .grad in place; its single-tensor path, our reference,
// does not).
TensorVec effective_grads(const Active& a, bool maximize, double weight_decay) {
  TensorVec grads = maximize ? at::_foreach_neg(a.grads) : a.grads;
  if (weight_decay != 0) grads = at::_foreach_add(grads, a.params, weight_decay);
  return grads;
}

#if MLR_TORCH_AT_LEAST(2, 1)
// Fused kernels and the 2.x foreach overloads take lists of one device and one dtype.
TensorVec pick(const TensorVec& list, const std::vector<size_t>& members) {
  TensorVec out;
  out.reserve(members.size());
  for (auto k : members) out.push_back(list[k]);
  return out;
}

// Positions grouped by (device, dtype).
std::vector<std::vector<size_t>> buckets(const TensorVec& params) {
  std::vector<std::pair<std::pair<c10::Device, at::ScalarType>, std::vector<size_t>>> out;
  for (size_t k = 0; k < params.size(); ++k) {
    auto key = std::make_pair(params[k].device(), params[k].scalar_type());
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& b) { return b.first == key; });
    if (it == out.end()) out.push_back({key, {k}});
    else it->second.push_back(k);
  }
  std::vector<std::vector<size_t>> members;
  for (auto& b : out) members.push_back(std::move(b.second));
  return members;
}
#endif

void require_fused(int32_t kind, const Active& a, const char* name) {
  for (const auto& p : a.params) {
    if (!fused_available(kind, p.device().type())) {
      throw mlr::ArgumentError(std::string("fused ") + name + " is not available for " + p.device().str() +
                               " parameters in libtorch " + TORCH_VERSION);
    }
  }
}

// Runs update(a, lists...) over a group, each list parallel to a.params (or empty). With parameters on an
// accelerator, once over the whole group: each _foreach op is then one multi-tensor kernel launch. On the CPU,
// libtorch's _foreach ops are a loop of per-tensor kernels anyway, so the group is taken one parameter at a time:
// each parameter goes through all of its ops while it is still in cache (about 25% faster than op by op over 50
// tensors of 6.5M parameters), temporaries are freed per parameter, and every value is the same (all elementwise).
template <class F, class... Lists>
void in_cache_order(const Active& a, F update, const Lists&... lists) {
  bool cpu = std::all_of(a.params.begin(), a.params.end(), [](const at::Tensor& p) { return p.is_cpu(); });
  if (!cpu || a.size() == 1) {
    update(a, lists...);
    return;
  }
  auto one = [](const auto& list, size_t k) {
    using List = std::decay_t<decltype(list)>;
    return list.empty() ? List() : List{list[k]};
  };
  for (size_t k = 0; k < a.size(); ++k) {
    Active single{{a.params[k]}, {a.grads[k]}, {a.index[k]}};
    update(single, one(lists, k)...);
  }
}

// ---- SGD -----------------------------------------------------------------------------------------------------

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, fused;
};

// bufs: the momentum buffers (empty without momentum); fresh: which were just made and take the gradient as is.
void sgd_update(const Active& a, const TensorVec& bufs, const std::vector<bool>& fresh, const SgdHyper& h) {
  auto grads = effective_grads(a, h.maximize, h.weight_decay);
  if (h.momentum != 0) {
    // A parameter's first buffer is a copy of its gradient; after that buf = momentum * buf + (1 - dampening) * d_p.
    TensorVec old_bufs, old_grads;
    for (size_t k = 0; k < a.size(); ++k) {
      if (fresh[k]) {
        bufs[k].copy_(grads[k]);
        continue;
      }
      old_bufs.push_back(bufs[k]);
      old_grads.push_back(grads[k]);
    }
    if (!old_bufs.empty()) {
      at::_foreach_mul_(old_bufs, h.momentum);
      at::_foreach_add_(old_bufs, old_grads, 1 - h.dampening);
    }
    if (h.nesterov) grads = at::_foreach_add(grads, bufs, h.momentum);
    else grads = bufs;
  }
  at::_foreach_add_(a.params, grads, -h.lr);
}

void sgd(const Active& a, mlr_tensor* buffer_slots, const SgdHyper& h) {
  if (h.fused) require_fused(kSgd, a, "SGD");
  TensorVec bufs;
  std::vector<bool> fresh(a.size(), false);
  if (h.momentum != 0) {
    bufs = state(buffer_slots, a, "momentum_buffer", false,
                 [&](size_t k) { return at::empty_like(a.params[k], at::MemoryFormat::Preserve); }, &fresh);
  }
#if MLR_TORCH_AT_LEAST(2, 4)
  // The fused kernel fills new buffers only all at once (its is_first_step); a group where only some parameters
  // have one (a parameter that got its first gradient late) takes the foreach path for that step.
  bool all_fresh = std::all_of(fresh.begin(), fresh.end(), [](bool f) { return f; });
  bool none_fresh = std::none_of(fresh.begin(), fresh.end(), [](bool f) { return f; });
  if (h.fused && (h.momentum == 0 || all_fresh || none_fresh)) {
    for (const auto& m : buckets(a.params)) {
      at::_fused_sgd_(pick(a.params, m), pick(a.grads, m), h.momentum != 0 ? pick(bufs, m) : TensorVec(), h.weight_decay,
                      h.momentum, h.lr, h.dampening, h.nesterov, h.maximize, h.momentum != 0 && all_fresh);
    }
    return;
  }
#endif
  in_cache_order(a, [&](const Active& s, const TensorVec& b, const std::vector<bool>& f) { sgd_update(s, b, f, h); },
                 bufs, fresh);
}

// ---- Adam, AdamW ---------------------------------------------------------------------------------------------

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled, fused;
};

// counts: each parameter's step count, already incremented.
void adam_update(const Active& a, const std::vector<double>& counts, const TensorVec& exp_avgs,
                 const TensorVec& exp_avg_sqs, const TensorVec& max_exp_avg_sqs, const AdamHyper& h) {
  TensorVec grads;
  if (h.decoupled) {
    grads = effective_grads(a, h.maximize, 0);
    // AdamW: param *= 1 - lr * weight_decay (skipped when that factor is exactly 1).
    if (h.lr * h.weight_decay != 0) at::_foreach_mul_(a.params, 1 - h.lr * h.weight_decay);
  } else {
    grads = effective_grads(a, h.maximize, h.weight_decay);
  }
  at::_foreach_mul_(exp_avgs, h.beta1);
  at::_foreach_add_(exp_avgs, grads, 1 - h.beta1);
  at::_foreach_mul_(exp_avg_sqs, h.beta2);
  at::_foreach_addcmul_(exp_avg_sqs, grads, grads, 1 - h.beta2);

  // Per parameter, from its own step count: step_size = lr / (1 - beta1^t), and sqrt(1 - beta2^t).
  std::vector<at::Scalar> neg_step_size, bias_correction2_sqrt;
  neg_step_size.reserve(counts.size());
  bias_correction2_sqrt.reserve(counts.size());
  for (double t : counts) {
    double bias_correction1 = 1 - std::pow(h.beta1, t);
    double bias_correction2 = 1 - std::pow(h.beta2, t);
    neg_step_size.emplace_back(-(h.lr / bias_correction1));
    bias_correction2_sqrt.emplace_back(std::sqrt(bias_correction2));
  }
  TensorVec denom;
  if (h.amsgrad) {
    at::_foreach_maximum_(max_exp_avg_sqs, exp_avg_sqs);
    denom = at::_foreach_sqrt(max_exp_avg_sqs);
  } else {
    denom = at::_foreach_sqrt(exp_avg_sqs);
  }
  at::_foreach_div_(denom, bias_correction2_sqrt);
  at::_foreach_add_(denom, h.eps);
  at::_foreach_addcdiv_(a.params, exp_avgs, denom, neg_step_size);
}

void adam(const Active& a, mlr_tensor* step_slots, mlr_tensor* exp_avg_slots, mlr_tensor* exp_avg_sq_slots,
          mlr_tensor* max_exp_avg_sq_slots, const AdamHyper& h) {
  int32_t kind = h.decoupled ? kAdamW : kAdam;
  if (h.fused) require_fused(kind, a, h.decoupled ? "AdamW" : "Adam");
  auto steps = step_state(step_slots, a, h.fused);
  auto exp_avgs = zeros_state(exp_avg_slots, a, "exp_avg");
  auto exp_avg_sqs = zeros_state(exp_avg_sq_slots, a, "exp_avg_sq");
  TensorVec max_exp_avg_sqs;
  if (h.amsgrad) max_exp_avg_sqs = zeros_state(max_exp_avg_sq_slots, a, "max_exp_avg_sq");
#if MLR_TORCH_AT_LEAST(2, 1)
  if (h.fused) {
    for (size_t k = 0; k < a.size(); ++k) {
      if (steps[k].device() != a.params[k].device()) {
        throw mlr::ArgumentError("step of parameter " + std::to_string(a.index[k]) + " is on " + steps[k].device().str() +
                                 "; the fused kernel needs it on the parameter's device " + a.params[k].device().str());
      }
    }
    for (const auto& m : buckets(a.params)) {
      auto s = pick(steps, m);
      at::_foreach_add_(s, 1);
      auto maxes = h.amsgrad ? pick(max_exp_avg_sqs, m) : TensorVec();
      if (h.decoupled) {
        at::_fused_adamw_(pick(a.params, m), pick(a.grads, m), pick(exp_avgs, m), pick(exp_avg_sqs, m), maxes, s, h.lr,
                          h.beta1, h.beta2, h.weight_decay, h.eps, h.amsgrad, h.maximize);
      } else {
        at::_fused_adam_(pick(a.params, m), pick(a.grads, m), pick(exp_avgs, m), pick(exp_avg_sqs, m), maxes, s, h.lr,
                         h.beta1, h.beta2, h.weight_decay, h.eps, h.amsgrad, h.maximize);
      }
    }
    return;
  }
#endif
  auto counts = increment(steps);
  in_cache_order(
      a,
      [&](const Active& s, const std::vector<double>& c, const TensorVec& m, const TensorVec& v, const TensorVec& vmax) {
        adam_update(s, c, m, v, vmax, h);
      },
      counts, exp_avgs, exp_avg_sqs, max_exp_avg_sqs);
}

// ---- RMSprop -------------------------------------------------------------------------------------------------

struct RmspropHyper {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

void rmsprop_update(const Active& a, const TensorVec& square_avgs, const TensorVec& bufs, const TensorVec& grad_avgs,
                    const RmspropHyper& h) {
  auto grads = effective_grads(a, h.maximize, h.weight_decay);
  at::_foreach_mul_(square_avgs, h.alpha);
  at::_foreach_addcmul_(square_avgs, grads, grads, 1 - h.alpha);
  TensorVec avg;
  if (h.centered) {
    at::_foreach_mul_(grad_avgs, h.alpha);
    at::_foreach_add_(grad_avgs, grads, 1 - h.alpha);
    avg = at::_foreach_addcmul(square_avgs, grad_avgs, grad_avgs, -1);
    at::_foreach_sqrt_(avg);
  } else {
    avg = at::_foreach_sqrt(square_avgs);
  }
  at::_foreach_add_(avg, h.eps);
  if (h.momentum > 0) {
    at::_foreach_mul_(bufs, h.momentum);
    at::_foreach_addcdiv_(bufs, grads, avg);
    at::_foreach_add_(a.params, bufs, -h.lr);
  } else {
    at::_foreach_addcdiv_(a.params, grads, avg, -h.lr);
  }
}

void rmsprop(const Active& a, mlr_tensor* step_slots, mlr_tensor* square_avg_slots, mlr_tensor* momentum_slots,
             mlr_tensor* grad_avg_slots, const RmspropHyper& h) {
  auto steps = step_state(step_slots, a, false);
  auto square_avgs = zeros_state(square_avg_slots, a, "square_avg");
  TensorVec bufs, grad_avgs;
  if (h.momentum > 0) bufs = zeros_state(momentum_slots, a, "momentum_buffer");
  if (h.centered) grad_avgs = zeros_state(grad_avg_slots, a, "grad_avg");
  increment(steps);  // counted, as torch.optim does, though the update does not use it
  in_cache_order(
      a, [&](const Active& s, const TensorVec& sq, const TensorVec& b, const TensorVec& ga) { rmsprop_update(s, sq, b, ga, h); },
      square_avgs, bufs, grad_avgs);
}

}  // namespace

// Whether libtorch has a fused kernel for optimizer `kind` (0 SGD, 1 Adam, 2 AdamW, 3 RMSprop) on `device_type`.
MLR_API mlr_status mlr_optim_fused_available(int32_t kind, int32_t device_type, int32_t* out) {
  return mlr::guard([&] { *out = fused_available(kind, static_cast<c10::DeviceType>(device_type)) ? 1 : 0; });
}

// SGD over one group. momentum_buffers: in/out, one entry per parameter (unused when momentum is 0).
// flags: 1 maximize, 2 fused, 4 nesterov.
MLR_API mlr_status mlr_optim_sgd_step(const mlr_tensor* params, int32_t count, mlr_tensor* momentum_buffers, double lr,
                                      double momentum, double dampening, double weight_decay, int32_t flags) {
  return mlr::guard([&] {
    at::NoGradGuard no_grad;
    auto a = active(params, count);
    if (a.empty()) return;
    sgd(a, momentum_buffers, SgdHyper{lr, momentum, dampening, weight_decay, (flags & kFlagNesterov) != 0,
                                      (flags & kFlagMaximize) != 0, (flags & kFlagFused) != 0});
  });
}

// Adam (decoupled = 0) or AdamW (decoupled = 1) over one group. State arrays: in/out, one entry per parameter;
// max_exp_avg_sqs is used only with amsgrad. flags: 1 maximize, 2 fused, 4 amsgrad.
MLR_API mlr_status mlr_optim_adam_step(const mlr_tensor* params, int32_t count, mlr_tensor* steps, mlr_tensor* exp_avgs,
                                       mlr_tensor* exp_avg_sqs, mlr_tensor* max_exp_avg_sqs, double lr, double beta1,
                                       double beta2, double eps, double weight_decay, int32_t decoupled, int32_t flags) {
  return mlr::guard([&] {
    at::NoGradGuard no_grad;
    auto a = active(params, count);
    if (a.empty()) return;
    adam(a, steps, exp_avgs, exp_avg_sqs, max_exp_avg_sqs,
         AdamHyper{lr, beta1, beta2, eps, weight_decay, (flags & kFlagAmsgrad) != 0, (flags & kFlagMaximize) != 0,
                   decoupled != 0, (flags & kFlagFused) != 0});
  });
}

// RMSprop over one group. momentum_buffers is used only with momentum > 0, grad_avgs only when centered.
// flags: 1 maximize, 4 centered.
MLR_API mlr_status mlr_optim_rmsprop_step(const mlr_tensor* params, int32_t count, mlr_tensor* steps,
                                          mlr_tensor* square_avgs, mlr_tensor* momentum_buffers, mlr_tensor* grad_avgs,
                                          double lr, double alpha, double eps, double weight_decay, double momentum,
                                          int32_t flags) {
  return mlr::guard([&] {
    at::NoGradGuard no_grad;
    auto a = active(params, count);
    if (a.empty()) return;
    rmsprop(a, steps, square_avgs, momentum_buffers, grad_avgs,
            RmspropHyper{lr, alpha, eps, weight_decay, momentum, (flags & kFlagCentered) != 0, (flags & kFlagMaximize) != 0});
  });
}

// Optimizer.zero_grad: drops each gradient (set_to_none) or zeroes it in place, detached from any graph.
MLR_API mlr_status mlr_optim_zero_grad(const mlr_tensor* params, int32_t count, int32_t set_to_none) {
  return mlr::guard([&] {
    auto all = mlr::tensors(params, count, "params");
    TensorVec grads;
    for (auto& p : all) {
      auto& g = p.mutable_grad();
      if (!g.defined()) continue;
      if (set_to_none != 0) {
        g.reset();
        continue;
      }
      if (g.grad_fn()) g.detach_();
      else g.requires_grad_(false);
      grads.push_back(g);
    }
    if (!grads.empty()) at::_foreach_zero_(grads);
  });
}

// torch.nn.utils.clip_grad_norm_: the norm of all gradients together (as one vector), and every gradient scaled by
// min(1, max_norm / (norm + 1e-6)). *total_norm gets the norm (0 on the CPU when no parameter has a gradient).
MLR_API mlr_status mlr_optim_clip_grad_norm_(const mlr_tensor* params, int32_t count, double max_norm, double norm_type,
                                             int32_t error_if_nonfinite, mlr_tensor* total_norm) {
  return mlr::guard([&] {
    at::NoGradGuard no_grad;
    auto a = active(params, count);
    if (a.empty()) {
      *total_norm = mlr::wrap(at::zeros({}, at::kFloat));
      return;
    }
    auto device = a.grads.front().device();
    auto norms = at::_foreach_norm(a.grads, norm_type);
    for (auto& n : norms) {
      if (n.device() != device) n = n.to(device);
    }
    at::Tensor total;
    if (std::isinf(norm_type) && norm_type > 0) total = norms.size() == 1 ? norms.front() : at::max(at::stack(norms));
    else total = at::linalg_vector_norm(at::stack(norms), norm_type);
    TORCH_CHECK(error_if_nonfinite == 0 || at::isfinite(total).item<bool>(), "The total norm of order ",
                text(norm_type), " for gradients is non-finite, so it cannot be clipped. To scale the gradients by ",
                "the non-finite norm anyway, pass errorIfNonfinite: false");
    // max_norm / (total + 1e-6) as Python computes a float over a tensor: reciprocal, then multiply.
    auto coef = at::clamp(at::reciprocal(total + 1e-6) * max_norm, c10::nullopt, 1.0);
#if MLR_TORCH_AT_LEAST(2, 1)
    for (const auto& m : buckets(a.grads)) {
      auto g = pick(a.grads, m);
      at::_foreach_mul_(g, coef.to(g.front().device()));
    }
#else
    for (auto& g : a.grads) g.mul_(g.device() == device ? coef : coef.to(g.device()));
#endif
    *total_norm = mlr::wrap(total);
  });
}

// torch.nn.utils.clip_grad_value_: clamps every gradient to [-clip_value, clip_value] in place.
MLR_API mlr_status mlr_optim_clip_grad_value_(const mlr_tensor* params, int32_t count, double clip_value) {
  return mlr::guard([&] {
    at::NoGradGuard no_grad;
    auto a = active(params, count);
    if (a.empty()) return;
#if MLR_TORCH_AT_LEAST(2, 1)
    at::_foreach_clamp_min_(a.grads, -clip_value);
    at::_foreach_clamp_max_(a.grads, clip_value);
#else
    for (auto& g : a.grads) g.clamp_(-clip_value, clip_value);
#endif
  });
}
