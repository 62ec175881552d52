// Scaled dot-product attention: softmax(Q K^T * scale + mask) V.
//
// On libtorch 2.x this is at::scaled_dot_product_attention, which picks a fused kernel (FlashAttention,
// memory-efficient attention, or the math fallback) for the device and shapes. libtorch 1.13 has no public fused
// op, so there it runs as the math form below, which is also what MultiheadAttention needs on every version when
// the caller wants the attention weights back (the fused kernels never materialise them). 1.13's private
// at::_scaled_dot_product_attention(q, k, v, mask, dropout_p, need_attn_weights, is_causal) -> (out, weights) is no
// faster here: on the CPU it is the same composed math, its CUDA FlashAttention kernel has no backward in 1.13,
// and it takes no scale. Its semantics (bool mask true = attend, is_causal top-left aligned) are the ones below;
// tests/fixtures/torch/sequence.safetensors holds its outputs and gradients.
#include "mlr.h"

#include <cmath>
#include <limits>

namespace {

// The math form, written as PyTorch 1.13's multi_head_attention_forward writes it (q divided by sqrt(E) first,
// then baddbmm with the additive mask), so its results agree with PyTorch's to the last bit or two.
std::tuple<at::Tensor, at::Tensor> math_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                  at::Tensor mask, double dropout_p, bool is_causal, double scale) {
  auto L = q.size(-2);
  auto S = k.size(-2);
  if (is_causal) {
    // Query i may attend to keys 0..i (the top-left aligned lower triangle), as in PyTorch 2.x.
    mask = at::ones({L, S}, q.options().dtype(at::kBool)).tril();
  }
  if (mask.defined() && mask.scalar_type() == at::kBool) {
    // Bool masks say where attention is allowed (true = take part); turn them into additive -inf masks.
    mask = at::zeros(mask.sizes(), q.options()).masked_fill_(mask.logical_not(), -std::numeric_limits<double>::infinity());
  }
  auto q_scaled = scale > 0 ? q * scale : q / std::sqrt(static_cast<double>(q.size(-1)));
  auto k_t = k.transpose(-2, -1);
  at::Tensor scores;
  if (mask.defined() && q.dim() == 3 && mask.dim() <= 3) scores = at::baddbmm(mask, q_scaled, k_t);
  else if (mask.defined()) scores = at::matmul(q_scaled, k_t) + mask;
  else scores = at::matmul(q_scaled, k_t);
  auto weights = at::softmax(scores, -1);
  if (dropout_p > 0.0) weights = at::dropout(weights, dropout_p, true);
  return {at::matmul(weights, v), weights};
}

}  // namespace

// Whether mlr_nn_attention_sdpa can use libtorch's fused kernels (libtorch 2.0 or later).
MLR_API int32_t mlr_nn_attention_fused_available() noexcept { return MLR_TORCH_AT_LEAST(2, 0) ? 1 : 0; }

// q (..., L, E), k (..., S, E), v (..., S, Ev). mask (broadcastable to (..., L, S)) may be null; a bool mask is true
// where attention is allowed, a float mask is added to the scores. is_causal != 0 masks keys after the query
// (no explicit mask then). scale <= 0: 1 / sqrt(E). dropout_p applies to the attention weights (the caller passes 0
// outside training). need_weights != 0 takes the math path and returns the (post-dropout) weights (..., L, S)
// through out_weights.
MLR_API mlr_status mlr_nn_attention_sdpa(mlr_tensor q, mlr_tensor k, mlr_tensor v, mlr_tensor mask, double dropout_p,
                                         int32_t is_causal, double scale, int32_t need_weights, mlr_tensor* out,
                                         mlr_tensor* out_weights) {
  return mlr::guard([&] {
    auto& query = mlr::get(q, "query");
    auto& key = mlr::get(k, "key");
    auto& value = mlr::get(v, "value");
    auto m = mlr::opt(mask);
    TORCH_CHECK_VALUE(dropout_p >= 0.0 && dropout_p < 1.0, "attention dropout must be in [0, 1), got ", dropout_p);
    TORCH_CHECK_VALUE(!(is_causal != 0 && m.defined()), "pass either an attention mask or is_causal, not both");
    TORCH_CHECK(query.dim() >= 2 && key.dim() == query.dim() && value.dim() == query.dim(),
                "query, key and value must have the same number of dims (at least 2), got ", query.sizes(), ", ",
                key.sizes(), " and ", value.sizes());
    TORCH_CHECK(query.size(-1) == key.size(-1), "query and key must have the same embedding size, got ",
                query.size(-1), " and ", key.size(-1));
    TORCH_CHECK(key.size(-2) == value.size(-2), "key and value must have the same sequence length, got ",
                key.size(-2), " and ", value.size(-2));
    if (need_weights != 0) {
      if (out_weights == nullptr) throw mlr::ArgumentError("need_weights without somewhere to put the weights");
      auto [o, w] = math_attention(query, key, value, m, dropout_p, is_causal != 0, scale);
      *out = mlr::wrap(std::move(o));
      *out_weights = mlr::wrap(std::move(w));
      return;
    }
#if MLR_TORCH_AT_LEAST(2, 1)
    c10::optional<double> s;
    if (scale > 0) s = scale;
    *out = mlr::wrap(at::scaled_dot_product_attention(query, key, value, mlr::opt_arg(mask), dropout_p, is_causal != 0, s));
#elif MLR_TORCH_AT_LEAST(2, 0)
    // 2.0's fused op has no scale argument: a custom scale takes the math path.
    if (scale > 0) *out = mlr::wrap(std::get<0>(math_attention(query, key, value, m, dropout_p, is_causal != 0, scale)));
    else *out = mlr::wrap(at::scaled_dot_product_attention(query, key, value, mlr::opt_arg(mask), dropout_p, is_causal != 0));
#else
    *out = mlr::wrap(std::get<0>(math_attention(query, key, value, m, dropout_p, is_causal != 0, scale)));
#endif
  });
}
