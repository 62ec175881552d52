// Loss functions: the ATen kernels behind torch.nn.functional's losses, with the argument checks and broadcasting
// that the Python wrappers add, so values and gradients match PyTorch's.
//
// reduction codes: 0 none, 1 mean, 2 sum (at::Reduction's values), and 3 batchmean (KL divergence only: the sum
// divided by the batch size, dim 0).
#include "mlr.h"

namespace {

int64_t reduction_code(int32_t reduction, bool batchmean_allowed) {
  if (reduction >= 0 && reduction <= 2) return reduction;
  if (reduction == 3 && batchmean_allowed) return at::Reduction::Sum;
  throw mlr::ArgumentError("unknown reduction code " + std::to_string(reduction) +
                           (batchmean_allowed ? "" : " (batchmean is for KL divergence only)"));
}

// The Python functionals broadcast input against target before the elementwise losses.
std::pair<at::Tensor, at::Tensor> broadcast(const at::Tensor& input, const at::Tensor& target) {
  auto both = at::broadcast_tensors({input, target});
  return {both[0], both[1]};
}

}  // namespace

// input (N, C) or (N, C, d1, ...) logits, or (C) unbatched; target class indices (N, d1, ...) or class
// probabilities shaped like input. weight: per-class, may be null. label_smoothing in [0, 1].
MLR_API mlr_status mlr_nn_loss_cross_entropy(mlr_tensor input, mlr_tensor target, mlr_tensor weight, int32_t reduction,
                                             int64_t ignore_index, double label_smoothing, mlr_tensor* out) {
  return mlr::guard([&] {
    TORCH_CHECK_VALUE(label_smoothing >= 0.0 && label_smoothing <= 1.0,
                      "label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
    *out = mlr::wrap(at::cross_entropy_loss(mlr::get(input, "input"), mlr::get(target, "target"), mlr::opt_arg(weight),
                                            reduction_code(reduction, false), ignore_index, label_smoothing));
  });
}

// input log-probabilities (N, C) or (N, C, d1, ...); target class indices. weight: per-class, may be null.
MLR_API mlr_status mlr_nn_loss_nll(mlr_tensor input, mlr_tensor target, mlr_tensor weight, int32_t reduction,
                                   int64_t ignore_index, mlr_tensor* out) {
  return mlr::guard([&] {
    *out = mlr::wrap(at::nll_loss_nd(mlr::get(input, "input"), mlr::get(target, "target"), mlr::opt_arg(weight),
                                     reduction_code(reduction, false), ignore_index));
  });
}

// Elementwise losses between input and target (broadcast). kind 0: mse, 1: l1, 2: smooth_l1 (param = beta),
// 3: huber (param = delta), 4: kl_div (input log-probabilities; param != 0: target is log-probabilities too).
MLR_API mlr_status mlr_nn_loss_elementwise(int32_t kind, mlr_tensor input, mlr_tensor target, int32_t reduction,
                                           double param, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(input, "input");
    auto& y = mlr::get(target, "target");
    if (kind == 4) {
      auto r = at::kl_div(x, y, reduction_code(reduction, true), param != 0.0);
      if (reduction == 3 && x.dim() != 0) r = r / x.size(0);
      *out = mlr::wrap(std::move(r));
      return;
    }
    auto red = reduction_code(reduction, false);
    auto [a, b] = broadcast(x, y);
    switch (kind) {
      case 0: *out = mlr::wrap(at::mse_loss(a, b, red)); break;
      case 1: *out = mlr::wrap(at::l1_loss(a, b, red)); break;
      case 2:
        TORCH_CHECK_VALUE(param >= 0.0, "smooth_l1_loss does not support negative values for beta, got ", param);
        *out = mlr::wrap(at::smooth_l1_loss(a, b, red, param));
        break;
      case 3:
        TORCH_CHECK_VALUE(param > 0.0, "huber_loss does not support non-positive values for delta, got ", param);
        *out = mlr::wrap(at::huber_loss(a, b, red, param));
        break;
      default: throw mlr::ArgumentError("unknown elementwise loss kind " + std::to_string(kind));
    }
  });
}

// Binary cross-entropy. with_logits 0: input is probabilities; 1: input is logits (the numerically stable form).
// weight (broadcast to the target's shape) and pos_weight (logits only; broadcast along the last dim) may be null.
// Input and target must have the same shape, as PyTorch requires.
MLR_API mlr_status mlr_nn_loss_binary_cross_entropy(int32_t with_logits, mlr_tensor input, mlr_tensor target,
                                                    mlr_tensor weight, mlr_tensor pos_weight, int32_t reduction,
                                                    mlr_tensor* out) {
  return mlr::guard([&] {
    auto& x = mlr::get(input, "input");
    auto& y = mlr::get(target, "target");
    TORCH_CHECK_VALUE(x.sizes() == y.sizes(), "target size (", y.sizes(), ") must be the same as input size (",
                      x.sizes(), ")");
    auto red = reduction_code(reduction, false);
    auto w = mlr::opt(weight);
    if (with_logits != 0) {
      *out = mlr::wrap(at::binary_cross_entropy_with_logits(x, y, mlr::opt_arg(weight), mlr::opt_arg(pos_weight), red));
      return;
    }
    if (pos_weight != nullptr) throw mlr::ArgumentError("pos_weight is only for binary cross-entropy with logits");
    if (w.defined()) w = w.expand(at::infer_size(y.sizes(), w.sizes()));
    *out = mlr::wrap(at::binary_cross_entropy(x, y, w.defined() ? c10::optional<at::Tensor>(w) : c10::nullopt, red));
  });
}
