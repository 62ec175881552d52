// Autograd: requires_grad, .grad, backward, torch.autograd.grad, detach, and the grad-mode switch.
#include "mlr.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

namespace {
thread_local std::string fn_name;
}

MLR_API mlr_status mlr_autograd_set_requires_grad(mlr_tensor a, int32_t requires_grad) {
  return mlr::guard([&] { mlr::get(a).requires_grad_(requires_grad != 0); });
}

// The accumulated gradient, or a null handle when there is none (PyTorch's None).
MLR_API mlr_status mlr_autograd_get_grad(mlr_tensor a, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap_optional(mlr::get(a).grad()); });
}

// Sets or (grad null) clears the gradient.
MLR_API mlr_status mlr_autograd_set_grad(mlr_tensor a, mlr_tensor grad) {
  return mlr::guard([&] { mlr::get(a).mutable_grad() = mlr::opt(grad); });
}

// retain_graph < 0 means "same as create_graph", PyTorch's default.
MLR_API mlr_status mlr_autograd_backward(mlr_tensor a, mlr_tensor grad, int32_t retain_graph, int32_t create_graph) {
  return mlr::guard([&] {
    c10::optional<bool> retain;
    if (retain_graph >= 0) retain = retain_graph != 0;
    mlr::get(a).backward(mlr::opt(grad), retain, create_graph != 0);
  });
}

// torch.autograd.grad: gradients of outputs w.r.t. inputs without touching .grad. grad_outputs may hold nulls
// (implicit ones) or be null altogether. Unused inputs come back as null handles when allow_unused.
MLR_API mlr_status mlr_autograd_grad(const mlr_tensor* outputs, int32_t n_outputs, const mlr_tensor* inputs,
                                     int32_t n_inputs, const mlr_tensor* grad_outputs, int32_t retain_graph,
                                     int32_t create_graph, int32_t allow_unused, mlr_tensor** out, int32_t* count) {
  return mlr::guard([&] {
    auto outs = mlr::tensors(outputs, n_outputs, "outputs");
    auto ins = mlr::tensors(inputs, n_inputs, "inputs");
    std::vector<at::Tensor> gouts;
    if (grad_outputs != nullptr) {
      for (int32_t i = 0; i < n_outputs; ++i) gouts.push_back(mlr::opt(grad_outputs[i]));
    }
    c10::optional<bool> retain;
    if (retain_graph >= 0) retain = retain_graph != 0;
    auto grads = torch::autograd::grad(outs, ins, gouts, retain, create_graph != 0, allow_unused != 0);
    mlr::wrap_list(grads, out, count);
  });
}

MLR_API mlr_status mlr_autograd_detach(mlr_tensor a, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(mlr::get(a).detach()); });
}

MLR_API mlr_status mlr_autograd_detach_(mlr_tensor a) {
  return mlr::guard([&] { mlr::get(a).detach_(); });
}

// Keeps .grad on a non-leaf tensor after backward.
MLR_API mlr_status mlr_autograd_retain_grad(mlr_tensor a) {
  return mlr::guard([&] { mlr::get(a).retain_grad(); });
}

// Name of the function that produced the tensor ("AddmmBackward0"), or "" for leaves. Valid until the next call.
MLR_API mlr_status mlr_autograd_grad_fn_name(mlr_tensor a, const char** out) {
  return mlr::guard([&] {
    auto fn = mlr::get(a).grad_fn();
    fn_name = fn ? fn->name() : std::string();
    *out = fn_name.c_str();
  });
}

// Grad mode is thread-local in libtorch, as in PyTorch.
MLR_API mlr_status mlr_autograd_is_enabled(int32_t* out) {
  return mlr::guard([&] { *out = at::GradMode::is_enabled() ? 1 : 0; });
}

MLR_API mlr_status mlr_autograd_set_enabled(int32_t enabled) {
  return mlr::guard([&] { at::GradMode::set_enabled(enabled != 0); });
}
