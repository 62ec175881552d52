// The fused CPU LSTM (nn_lstm_cpu.cpp), used by mlr_nn_rnn_forward in place of at::lstm where it applies.
#pragma once

#include <ATen/ATen.h>

#include <atomic>
#include <tuple>
#include <vector>

namespace mlr {

// Backend flag 5 (mlr_system_get_flag/set_flag): whether CPU LSTMs take the fused path. On by default.
extern std::atomic<bool> fused_cpu_lstm;

// Whether the fused path runs this call exactly as at::lstm would: the flag is on, every tensor is a dense CPU
// float32/float64 tensor of one dtype, shapes are consistent, sequence and batch are non-empty, CPU autocast is off.
// Everything else (CUDA, other dtypes, malformed calls, whose errors at::lstm then reports) goes to at::lstm.
bool fused_lstm_applies(const at::Tensor& input, const at::Tensor& hx, const at::Tensor& cx,
                        const std::vector<at::Tensor>& params, bool has_biases, int64_t num_layers,
                        bool bidirectional, bool batch_first);

// at::lstm's contract: input (T, B, I) or (B, T, I) with batch_first; hx, cx (layers * dirs, B, H); params in
// PyTorch's flat order. Returns output (T, B, dirs * H) (or batch-first), h_n and c_n (layers * dirs, B, H).
std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_lstm(const at::Tensor& input, const at::Tensor& hx,
                                                          const at::Tensor& cx, const std::vector<at::Tensor>& params,
                                                          bool has_biases, int64_t num_layers, double dropout,
                                                          bool train, bool bidirectional, bool batch_first);

}  // namespace mlr
