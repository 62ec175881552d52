// The parts of torch.nn.init that need more than a random fill: constant fills, eye, and orthogonal (QR).
// All of them write in place without recording autograd history, as nn.init's functions do under torch.no_grad.
#include "mlr.h"

#include <ATen/core/grad_mode.h>

// kind 0: fill with value; 1: zeros; 2: identity (a 2-D tensor; ones on the main diagonal, as nn.init.eye_).
MLR_API mlr_status mlr_nn_init_fill_(int32_t kind, mlr_tensor t, mlr_scalar value) {
  return mlr::guard([&] {
    auto& x = mlr::get(t);
    at::NoGradGuard no_grad;
    switch (kind) {
      case 0: x.fill_(mlr::scalar(value)); break;
      case 1: x.zero_(); break;
      case 2:
        TORCH_CHECK_VALUE(x.dim() == 2, "only 2-D tensors are supported by eye_, got ", x.dim(), " dims");
        at::eye_out(x, x.size(0), x.size(1));
        break;
      default: throw mlr::ArgumentError("unknown fill kind " + std::to_string(kind));
    }
  });
}

// nn.init.orthogonal_: a (semi-)orthogonal matrix from the QR decomposition of a standard-normal draw, with the
// signs fixed by R's diagonal so the result is uniformly distributed. Tensors of more than 2 dims are treated as
// (size(0), numel / size(0)). Draws size(0) * numel / size(0) normals from the default generator, as PyTorch does.
MLR_API mlr_status mlr_nn_init_orthogonal_(mlr_tensor t, double gain) {
  return mlr::guard([&] {
    auto& x = mlr::get(t);
    TORCH_CHECK_VALUE(x.dim() >= 2, "only tensors with 2 or more dimensions are supported by orthogonal_");
    if (x.numel() == 0) return;
    at::NoGradGuard no_grad;
    auto rows = x.size(0);
    auto cols = x.numel() / rows;
    auto flat = at::empty({rows, cols}, x.options()).normal_(0, 1);
    if (rows < cols) flat.t_();
    auto qr = at::linalg_qr(flat);
    auto q = std::get<0>(qr);
    auto phase = std::get<1>(qr).diagonal().sign();
    q.mul_(phase);
    if (rows < cols) q.t_();
    x.view_as(q).copy_(q);
    x.mul_(gain);
  });
}
