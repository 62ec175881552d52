// torch.nn.functional: the layer ops the nn modules are built from (linear, convolutions, normalisation, dropout,
// embedding, pooling, padding, activations beyond the math tables). Each export calls the same ATen op that
// PyTorch's Python functional calls, so results, gradients and random draws match PyTorch's.
#include "mlr.h"

#include <ATen/core/grad_mode.h>

namespace {

// Activations with up to two scalar parameters (a, b). The C# enum NN.ActivationOp lists the same names in the same
// order; a test compares both through mlr_nn_functional_activation_name.
#define MLR_NN_ACTIVATIONS(X)                                                                                     \
  X(gelu) X(gelu_tanh) X(silu) X(mish) X(hardswish) X(hardsigmoid) X(relu6) X(selu) X(log_sigmoid) X(leaky_relu) \
  X(elu) X(celu) X(softplus) X(hardtanh) X(hardshrink) X(softshrink) X(threshold)

enum class Activation : int32_t {
#define MLR_ENUM_ENTRY(name) name,
  MLR_NN_ACTIVATIONS(MLR_ENUM_ENTRY)
#undef MLR_ENUM_ENTRY
  count
};

const char* const activation_names[] = {
#define MLR_NAME(name) #name,
    MLR_NN_ACTIVATIONS(MLR_NAME)
#undef MLR_NAME
};

// a, b: leaky_relu (negative_slope), elu/celu (alpha), softplus (beta, threshold), hardtanh (min, max),
// hardshrink/softshrink (lambda), threshold (threshold, value).
at::Tensor activation(Activation op, const at::Tensor& x, double a, double b) {
  switch (op) {
    case Activation::gelu: return at::gelu(x, "none");
    case Activation::gelu_tanh: return at::gelu(x, "tanh");
    case Activation::silu: return at::silu(x);
    case Activation::mish: return at::mish(x);
    case Activation::hardswish: return at::hardswish(x);
    case Activation::hardsigmoid: return at::hardsigmoid(x);
    case Activation::relu6: return at::hardtanh(x, 0.0, 6.0);  // what F.relu6 computes
    case Activation::selu: return at::selu(x);
    case Activation::log_sigmoid: return at::log_sigmoid(x);
    case Activation::leaky_relu: return at::leaky_relu(x, a);
    case Activation::elu: return at::elu(x, a);
    case Activation::celu: return at::celu(x, a);
    case Activation::softplus: return at::softplus(x, a, b);
    case Activation::hardtanh: return at::hardtanh(x, a, b);
    case Activation::hardshrink: return at::hardshrink(x, a);
    case Activation::softshrink: return at::softshrink(x, a);
    case Activation::threshold: return at::threshold(x, a, b);
    default: throw mlr::ArgumentError("unknown activation code " + std::to_string(static_cast<int32_t>(op)));
  }
}

// The in-place forms nn.ReLU6(inplace=True) and friends use. Ops without one in ATen are refused.
void activation_(Activation op, at::Tensor& x, double a, double b) {
  switch (op) {
    case Activation::gelu: at::gelu_(x, "none"); return;
    case Activation::gelu_tanh: at::gelu_(x, "tanh"); return;
    case Activation::silu: at::silu_(x); return;
    case Activation::mish: at::mish_(x); return;
    case Activation::hardswish: at::hardswish_(x); return;
    case Activation::hardsigmoid: at::hardsigmoid_(x); return;
    case Activation::relu6: at::hardtanh_(x, 0.0, 6.0); return;
    case Activation::selu: at::selu_(x); return;
    case Activation::leaky_relu: at::leaky_relu_(x, a); return;
    case Activation::elu: at::elu_(x, a); return;
    case Activation::celu: at::celu_(x, a); return;
    case Activation::hardtanh: at::hardtanh_(x, a, b); return;
    case Activation::threshold: at::threshold_(x, a, b); return;
    default:
      throw mlr::ArgumentError("activation code " + std::to_string(static_cast<int32_t>(op)) + " has no in-place form");
  }
}

// Spatial arguments arrive as arrays of n values (n = 1, 2 or 3 spatial dims).
at::IntArrayRef spatial(const int64_t* values, int32_t n, const char* what) {
  if (n < 1 || n > 3) throw mlr::ArgumentError(std::string(what) + ": expected 1 to 3 spatial dims, got " + std::to_string(n));
  return mlr::dims(values, n, what);
}

}  // namespace

// The name of activation code `code`, or null past the end.
MLR_API const char* mlr_nn_functional_activation_name(int32_t code) noexcept {
  constexpr auto n = sizeof activation_names / sizeof *activation_names;
  return code >= 0 && static_cast<size_t>(code) < n ? activation_names[code] : nullptr;
}

// inplace != 0 updates x and returns no new handle.
MLR_API mlr_status mlr_nn_functional_activation(int32_t op, mlr_tensor x, double a, double b, int32_t inplace,
                                                mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(x, "input");
    if (inplace != 0) {
      activation_(static_cast<Activation>(op), t, a, b);
      return;
    }
    *out = mlr::wrap(activation(static_cast<Activation>(op), t, a, b));
  });
}

// weight: one slope, or one per channel (dim 1 of the input).
MLR_API mlr_status mlr_nn_functional_prelu(mlr_tensor x, mlr_tensor weight, mlr_tensor* out) {
  return mlr::guard([&] { *out = mlr::wrap(at::prelu(mlr::get(x, "input"), mlr::get(weight, "weight"))); });
}

// y = x W^T + b over the last dim of x. bias may be null.
MLR_API mlr_status mlr_nn_functional_linear(mlr_tensor x, mlr_tensor weight, mlr_tensor bias, mlr_tensor* out) {
  return mlr::guard([&] {
    *out = mlr::wrap(at::linear(mlr::get(x, "input"), mlr::get(weight, "weight"), mlr::opt_arg(bias)));
  });
}

// Convolution over n = 1..3 spatial dims (conv1d/2d/3d and their transposes). Batched or unbatched input, as in
// PyTorch. padding_mode: 0 the explicit `padding` values, 1 "valid", 2 "same" (PyTorch pads the odd extra element
// on the right/bottom). Transposed convolutions take output_padding and only explicit padding.
MLR_API mlr_status mlr_nn_functional_conv(int32_t transposed, mlr_tensor x, mlr_tensor weight, mlr_tensor bias,
                                          const int64_t* stride, const int64_t* padding, const int64_t* dilation,
                                          const int64_t* output_padding, int32_t n, int32_t padding_mode,
                                          int64_t groups, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& input = mlr::get(x, "input");
    auto& w = mlr::get(weight, "weight");
    auto b = mlr::opt_arg(bias);
    auto s = spatial(stride, n, "stride");
    auto d = spatial(dilation, n, "dilation");
    at::Tensor r;
    if (transposed != 0) {
      if (padding_mode != 0) throw mlr::ArgumentError("transposed convolutions take explicit padding only");
      auto p = spatial(padding, n, "padding");
      auto op = spatial(output_padding, n, "output_padding");
      switch (n) {
        case 1: r = at::conv_transpose1d(input, w, b, s, p, op, groups, d); break;
        case 2: r = at::conv_transpose2d(input, w, b, s, p, op, groups, d); break;
        default: r = at::conv_transpose3d(input, w, b, s, p, op, groups, d); break;
      }
    } else if (padding_mode == 0) {
      auto p = spatial(padding, n, "padding");
      switch (n) {
        case 1: r = at::conv1d(input, w, b, s, p, d, groups); break;
        case 2: r = at::conv2d(input, w, b, s, p, d, groups); break;
        default: r = at::conv3d(input, w, b, s, p, d, groups); break;
      }
    } else {
      if (padding_mode != 1 && padding_mode != 2) throw mlr::ArgumentError("unknown padding mode " + std::to_string(padding_mode));
      c10::string_view mode = padding_mode == 1 ? "valid" : "same";
      switch (n) {
        case 1: r = at::conv1d(input, w, b, s, mode, d, groups); break;
        case 2: r = at::conv2d(input, w, b, s, mode, d, groups); break;
        default: r = at::conv3d(input, w, b, s, mode, d, groups); break;
      }
    }
    *out = mlr::wrap(std::move(r));
  });
}

// at::batch_norm updates running_mean/running_var in place when training (running = (1 - momentum) * running +
// momentum * batch statistic, with the unbiased batch variance), as F.batch_norm does. Any of weight, bias and the
// running stats may be null. num_batches_tracked and momentum=None are the caller's business, as in PyTorch's module.
MLR_API mlr_status mlr_nn_functional_batch_norm(mlr_tensor x, mlr_tensor weight, mlr_tensor bias,
                                                mlr_tensor running_mean, mlr_tensor running_var, int32_t training,
                                                double momentum, double eps, mlr_tensor* out) {
  return mlr::guard([&] {
    *out = mlr::wrap(at::batch_norm(mlr::get(x, "input"), mlr::opt_arg(weight), mlr::opt_arg(bias),
                                    mlr::opt_arg(running_mean), mlr::opt_arg(running_var), training != 0, momentum, eps,
                                    at::globalContext().userEnabledCuDNN()));
  });
}

// kind 0: layer_norm over the trailing dims `shape`; 1: group_norm with num_groups groups over dim 1.
// weight/bias may be null (no affine transform).
MLR_API mlr_status mlr_nn_functional_norm(int32_t kind, mlr_tensor x, const int64_t* shape, int32_t n,
                                          int64_t num_groups, mlr_tensor weight, mlr_tensor bias, double eps,
                                          mlr_tensor* out) {
  return mlr::guard([&] {
    auto& input = mlr::get(x, "input");
    auto w = mlr::opt_arg(weight);
    auto b = mlr::opt_arg(bias);
    switch (kind) {
      case 0: *out = mlr::wrap(at::layer_norm(input, mlr::dims(shape, n, "normalized_shape"), w, b, eps)); break;
      case 1: *out = mlr::wrap(at::group_norm(input, num_groups, w, b, eps)); break;
      default: throw mlr::ArgumentError("unknown norm kind " + std::to_string(kind));
    }
  });
}

// kind 0: dropout (elementwise), 1: feature_dropout (whole channels: dropout1d/2d/3d), 2: alpha_dropout,
// 3: feature_alpha_dropout. Draws from the default generator exactly as F.dropout does. inplace != 0 updates x.
MLR_API mlr_status mlr_nn_functional_dropout(int32_t kind, mlr_tensor x, double p, int32_t train, int32_t inplace,
                                             mlr_tensor* out) {
  return mlr::guard([&] {
    auto& t = mlr::get(x, "input");
    bool tr = train != 0;
    if (p < 0.0 || p > 1.0) TORCH_CHECK_VALUE(false, "dropout probability has to be between 0 and 1, but got ", p);
    if (kind < 0 || kind > 3) throw mlr::ArgumentError("unknown dropout kind " + std::to_string(kind));
    if (inplace != 0) {
      switch (kind) {
        case 0: at::dropout_(t, p, tr); break;
        case 1: at::feature_dropout_(t, p, tr); break;
        case 2: at::alpha_dropout_(t, p, tr); break;
        default: at::feature_alpha_dropout_(t, p, tr); break;
      }
      return;
    }
    switch (kind) {
      case 0: *out = mlr::wrap(at::dropout(t, p, tr)); break;
      case 1: *out = mlr::wrap(at::feature_dropout(t, p, tr)); break;
      case 2: *out = mlr::wrap(at::alpha_dropout(t, p, tr)); break;
      default: *out = mlr::wrap(at::feature_alpha_dropout(t, p, tr)); break;
    }
  });
}

// Rows of weight picked by integer indices. padding_idx < 0: none (the caller has wrapped negative indices), and
// that row gets no gradient. max_norm > 0 first renormalises, in place and without grad, the rows about to be
// read whose norm exceeds it (F.embedding's max_norm).
MLR_API mlr_status mlr_nn_functional_embedding(mlr_tensor weight, mlr_tensor indices, int64_t padding_idx,
                                               double max_norm, double norm_type, int32_t scale_grad_by_freq,
                                               int32_t sparse, mlr_tensor* out) {
  return mlr::guard([&] {
    auto& w = mlr::get(weight, "weight");
    auto idx = mlr::get(indices, "indices");
    TORCH_CHECK_TYPE(idx.scalar_type() == at::kLong || idx.scalar_type() == at::kInt,
                     "embedding indices must be int64 or int32, not ", idx.scalar_type());
    if (max_norm > 0) {
      idx = idx.contiguous();
      at::NoGradGuard no_grad;
      at::embedding_renorm_(w, idx, max_norm, norm_type);
    }
    *out = mlr::wrap(at::embedding(w, idx, padding_idx, scale_grad_by_freq != 0, sparse != 0));
  });
}

// Pooling over n = 1..3 spatial dims. kind 0: max (indices too when out_indices is non-null), 1: avg. An empty
// stride (stride_n = 0) means "same as the kernel", PyTorch's default. divisor_override <= 0: none.
MLR_API mlr_status mlr_nn_functional_pool(int32_t kind, mlr_tensor x, const int64_t* kernel, const int64_t* stride,
                                          int32_t stride_n, const int64_t* padding, const int64_t* dilation,
                                          int32_t n, int32_t ceil_mode, int32_t count_include_pad,
                                          int64_t divisor_override, mlr_tensor* out, mlr_tensor* out_indices) {
  return mlr::guard([&] {
    auto& input = mlr::get(x, "input");
    auto k = spatial(kernel, n, "kernel_size");
    auto s = stride_n == 0 ? at::IntArrayRef() : spatial(stride, stride_n, "stride");
    auto p = spatial(padding, n, "padding");
    bool ceil = ceil_mode != 0;
    if (kind == 0) {
      auto d = spatial(dilation, n, "dilation");
      if (out_indices != nullptr) {
        std::tuple<at::Tensor, at::Tensor> r;
        switch (n) {
          case 1: r = at::max_pool1d_with_indices(input, k, s, p, d, ceil); break;
          case 2: r = at::max_pool2d_with_indices(input, k, s, p, d, ceil); break;
          default: r = at::max_pool3d_with_indices(input, k, s, p, d, ceil); break;
        }
        *out = mlr::wrap(std::get<0>(r));
        *out_indices = mlr::wrap(std::get<1>(r));
        return;
      }
      switch (n) {
        case 1: *out = mlr::wrap(at::max_pool1d(input, k, s, p, d, ceil)); break;
        case 2: *out = mlr::wrap(at::max_pool2d(input, k, s, p, d, ceil)); break;
        default: *out = mlr::wrap(at::max_pool3d(input, k, s, p, d, ceil)); break;
      }
      return;
    }
    if (kind != 1) throw mlr::ArgumentError("unknown pool kind " + std::to_string(kind));
    bool include = count_include_pad != 0;
    c10::optional<int64_t> divisor;
    if (divisor_override > 0) divisor = divisor_override;
    switch (n) {
      case 1:
        if (divisor) throw mlr::ArgumentError("avg_pool1d takes no divisor_override");
        *out = mlr::wrap(at::avg_pool1d(input, k, s, p, ceil, include));
        break;
      case 2: *out = mlr::wrap(at::avg_pool2d(input, k, s, p, ceil, include, divisor)); break;
      default: *out = mlr::wrap(at::avg_pool3d(input, k, s, p, ceil, include, divisor)); break;
    }
  });
}

// Adaptive pooling to a fixed output size over n = 1..3 spatial dims. kind 0: avg, 1: max (out_indices may be
// null when the indices are not wanted).
MLR_API mlr_status mlr_nn_functional_adaptive_pool(int32_t kind, mlr_tensor x, const int64_t* output_size, int32_t n,
                                                   mlr_tensor* out, mlr_tensor* out_indices) {
  return mlr::guard([&] {
    auto& input = mlr::get(x, "input");
    auto size = spatial(output_size, n, "output_size");
    if (kind == 0) {
      switch (n) {
        case 1: *out = mlr::wrap(at::adaptive_avg_pool1d(input, size)); break;
        case 2: *out = mlr::wrap(at::adaptive_avg_pool2d(input, size)); break;
        default: *out = mlr::wrap(at::adaptive_avg_pool3d(input, size)); break;
      }
      return;
    }
    if (kind != 1) throw mlr::ArgumentError("unknown adaptive pool kind " + std::to_string(kind));
    std::tuple<at::Tensor, at::Tensor> r;
    switch (n) {
      case 1: r = at::adaptive_max_pool1d(input, size); break;
      case 2: r = at::adaptive_max_pool2d(input, size); break;
      default: r = at::adaptive_max_pool3d(input, size); break;
    }
    *out = mlr::wrap(std::get<0>(r));
    if (out_indices != nullptr) *out_indices = mlr::wrap(std::get<1>(r));
  });
}

// F.pad: pad holds (left, right) pairs starting from the last dim. mode 0 constant (value), 1 reflect,
// 2 replicate, 3 circular.
MLR_API mlr_status mlr_nn_functional_pad(mlr_tensor x, const int64_t* pad, int32_t n, int32_t mode, double value,
                                         mlr_tensor* out) {
  return mlr::guard([&] {
    static const char* const modes[] = {"constant", "reflect", "replicate", "circular"};
    if (mode < 0 || mode > 3) throw mlr::ArgumentError("unknown pad mode " + std::to_string(mode));
    auto p = mlr::dims(pad, n, "pad");
    c10::optional<double> fill;
    if (mode == 0) fill = value;
    *out = mlr::wrap(at::pad(mlr::get(x, "input"), p, modes[mode], fill));
  });
}

// F.interpolate over n = 1..3 spatial dims (input (N, C, *spatial)). mode: 0 nearest, 1 nearest-exact, 2 linear,
// 3 bilinear, 4 bicubic, 5 trilinear, 6 area. Exactly one of size (size_n values) and scales (scales_n values) is
// given. align_corners: -1 unset (false), 0, 1; only the linear and cubic modes take it. antialias: bilinear and
// bicubic only. With scales the kernels use them as given (PyTorch's recompute_scale_factor=False).
MLR_API mlr_status mlr_nn_functional_interpolate(mlr_tensor x, int32_t mode, const int64_t* size, int32_t size_n,
                                                 const double* scales, int32_t scales_n, int32_t align_corners,
                                                 int32_t antialias, mlr_tensor* out) {
  return mlr::guard([&] {
    static const char* const names[] = {"nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"};
    static const int ranks[] = {0, 0, 1, 2, 2, 3, 0};  // spatial rank a mode needs; 0: any of 1..3
    if (mode < 0 || mode > 6) throw mlr::ArgumentError("unknown interpolation mode " + std::to_string(mode));
    auto& input = mlr::get(x, "input");
    int64_t n = input.dim() - 2;
    if (n < 1 || n > 3)
      throw mlr::ArgumentError(std::string("interpolate expects a 3-D, 4-D or 5-D input (N, C, *spatial), got ") +
                               std::to_string(input.dim()) + "-D");
    if (ranks[mode] != 0 && ranks[mode] != n)
      throw mlr::ArgumentError(std::string("mode '") + names[mode] + "' needs a " + std::to_string(ranks[mode] + 2) +
                               "-D input, got " + std::to_string(input.dim()) + "-D");
    if ((size_n > 0) == (scales_n > 0)) throw mlr::ArgumentError("interpolate needs exactly one of size and scale_factor");
    if ((size_n > 0 && size_n != n) || (scales_n > 0 && scales_n != n))
      throw mlr::ArgumentError("interpolate: " + std::to_string(size_n > 0 ? size_n : scales_n) +
                               " sizes or scales for " + std::to_string(n) + " spatial dims");
    bool interpolating = mode >= 2 && mode <= 5;
    if (align_corners >= 0 && !interpolating)
      throw mlr::ArgumentError(std::string("align_corners applies to linear, bilinear, bicubic and trilinear, not '") +
                               names[mode] + "'");
    if (antialias != 0 && mode != 3 && mode != 4)
      throw mlr::ArgumentError(std::string("antialias applies to bilinear and bicubic, not '") + names[mode] + "'");
    at::OptionalIntArrayRef out_size;
    if (size_n > 0) out_size = mlr::dims(size, size_n, "size");
    c10::optional<at::ArrayRef<double>> factors;
    if (scales_n > 0) {
      for (int32_t i = 0; i < scales_n; ++i)
        if (!(scales[i] > 0)) throw mlr::ArgumentError("scale factors must be positive, got " + std::to_string(scales[i]));
      factors = at::ArrayRef<double>(scales, static_cast<size_t>(scales_n));
    }
    bool corners = align_corners > 0;
    switch (mode) {
      case 0:
        *out = mlr::wrap(n == 1 ? at::upsample_nearest1d(input, out_size, factors)
                         : n == 2 ? at::upsample_nearest2d(input, out_size, factors)
                                  : at::upsample_nearest3d(input, out_size, factors));
        break;
      case 1:
        *out = mlr::wrap(n == 1 ? at::_upsample_nearest_exact1d(input, out_size, factors)
                         : n == 2 ? at::_upsample_nearest_exact2d(input, out_size, factors)
                                  : at::_upsample_nearest_exact3d(input, out_size, factors));
        break;
      case 2: *out = mlr::wrap(at::upsample_linear1d(input, out_size, corners, factors)); break;
      case 3:
        *out = mlr::wrap(antialias ? at::_upsample_bilinear2d_aa(input, out_size, corners, factors)
                                   : at::upsample_bilinear2d(input, out_size, corners, factors));
        break;
      case 4:
        *out = mlr::wrap(antialias ? at::_upsample_bicubic2d_aa(input, out_size, corners, factors)
                                   : at::upsample_bicubic2d(input, out_size, corners, factors));
        break;
      case 5: *out = mlr::wrap(at::upsample_trilinear3d(input, out_size, corners, factors)); break;
      default: {
        // Area is adaptive average pooling to the output size; from scales, that size is floor(in * scale).
        std::vector<int64_t> sz(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
          sz[i] = size_n > 0 ? size[i] : static_cast<int64_t>(std::floor(static_cast<double>(input.size(i + 2)) * scales[i]));
        *out = mlr::wrap(n == 1 ? at::adaptive_avg_pool1d(input, sz)
                         : n == 2 ? at::adaptive_avg_pool2d(input, sz)
                                  : at::adaptive_avg_pool3d(input, sz));
      }
    }
  });
}
