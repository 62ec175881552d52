// Recurrent layers through libtorch's fused multi-layer kernels (at::lstm, at::gru, at::rnn_tanh, at::rnn_relu):
// one call runs every layer and direction, and on CUDA it dispatches to cuDNN's fused RNN, about ten times faster
// than a step-by-step loop. CPU LSTMs take the shim's own fused path instead (nn_lstm_cpu.cpp) where it applies.
//
// Packed sequences (PyTorch's PackedSequence) also live here: a batch of varied lengths, sorted longest first and
// stored step by step, each step holding only the sequences still running (data (sum of lengths, *), batch_sizes
// (T,) int64 on the CPU). The recurrent kernels take that form directly, so padding never enters the recurrence.
#include "mlr.h"
#include "nn_lstm_cpu.h"

#include <c10/util/StringUtil.h>

namespace {

// The flat weight list, checked against the layer count (at::lstm indexes into it unchecked).
std::vector<at::Tensor> checked_weights(const mlr_tensor* params, int32_t n_params, bool has_biases,
                                        int64_t num_layers, bool bidirectional) {
  auto weights = mlr::tensors(params, n_params, "params");
  if (num_layers < 1) throw mlr::ArgumentError("num_layers must be at least 1");
  int64_t expected = num_layers * (bidirectional ? 2 : 1) * (has_biases ? 4 : 2);
  if (static_cast<int64_t>(weights.size()) != expected) {
    throw mlr::ArgumentError("expected " + std::to_string(expected) + " weight tensors for " +
                             std::to_string(num_layers) + " layer(s), got " + std::to_string(weights.size()));
  }
  return weights;
}

// Lengths as a contiguous CPU int64 tensor, one per sequence, each in 1..steps. libtorch's packing reads past the
// input for a length above steps, so this check is what keeps bad lengths an exception.
at::Tensor checked_lengths(const at::Tensor& lengths, int64_t batch, int64_t steps) {
  if (lengths.dim() != 1) {
    throw mlr::ArgumentError("lengths must be 1-D (one length per sequence), got shape " + c10::str(lengths.sizes()));
  }
  if (!at::isIntegralType(lengths.scalar_type(), /*includeBool=*/false)) {
    throw mlr::ArgumentError(std::string("lengths must be integers, got ") + c10::toString(lengths.scalar_type()));
  }
  if (lengths.numel() != batch) {
    throw mlr::ArgumentError("lengths has " + std::to_string(lengths.numel()) + " entries but the batch has " +
                             std::to_string(batch) + " sequences");
  }
  auto l = lengths.to(at::kCPU, at::kLong).contiguous();
  const auto* p = l.data_ptr<int64_t>();
  for (int64_t i = 0; i < batch; ++i) {
    if (p[i] < 1) {
      throw mlr::ArgumentError("lengths[" + std::to_string(i) + "] is " + std::to_string(p[i]) +
                               ": every sequence needs at least one step");
    }
    if (p[i] > steps) {
      throw mlr::ArgumentError("lengths[" + std::to_string(i) + "] is " + std::to_string(p[i]) +
                               ", longer than the input's " + std::to_string(steps) + " steps");
    }
  }
  return l;
}

// A packed batch as the kernels assume it: batch_sizes a 1-D CPU int64 tensor of positive, non-increasing counts
// summing to data's rows; the permutations both present or both absent, one entry per sequence. Returns the batch.
int64_t check_packed(const at::Tensor& data, const at::Tensor& batch_sizes, const at::Tensor& sorted,
                     const at::Tensor& unsorted) {
  if (batch_sizes.dim() != 1 || batch_sizes.scalar_type() != at::kLong || !batch_sizes.device().is_cpu()) {
    throw mlr::ArgumentError("batch_sizes must be a 1-D int64 CPU tensor, got shape " +
                             c10::str(batch_sizes.sizes()) + " " + c10::toString(batch_sizes.scalar_type()) +
                             " on " + batch_sizes.device().str());
  }
  if (batch_sizes.numel() == 0) throw mlr::ArgumentError("batch_sizes is empty: a packed batch has at least one step");
  if (data.dim() < 1) throw mlr::ArgumentError("packed data must have at least 1 dim, got a 0-dim tensor");
  auto bs = batch_sizes.contiguous();
  const auto* p = bs.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t t = 0; t < bs.numel(); ++t) {
    if (p[t] < 1 || (t > 0 && p[t] > p[t - 1])) {
      throw mlr::ArgumentError("batch_sizes must be positive and non-increasing, but batch_sizes[" +
                               std::to_string(t) + "] is " + std::to_string(p[t]) +
                               (t > 0 ? " after " + std::to_string(p[t - 1]) : std::string()));
    }
    total += p[t];
  }
  if (total != data.size(0)) {
    throw mlr::ArgumentError("the packed data has " + std::to_string(data.size(0)) +
                             " rows but batch_sizes sums to " + std::to_string(total));
  }
  if (sorted.defined() != unsorted.defined()) {
    throw mlr::ArgumentError("sorted_indices and unsorted_indices must be given together or not at all");
  }
  for (const auto* idx : {&sorted, &unsorted}) {
    if (idx->defined() && (idx->dim() != 1 || idx->numel() != p[0])) {
      throw mlr::ArgumentError("the sequence permutation must be 1-D with one entry per sequence (" +
                               std::to_string(p[0]) + "), got shape " + c10::str(idx->sizes()));
    }
  }
  return p[0];
}

// An initial state for a packed batch: zeros when absent, else checked and put in the packed (sorted) order.
at::Tensor packed_state(const at::Tensor& given, const char* name, const at::Tensor& data, int64_t rows,
                        int64_t batch, int64_t hidden, const at::Tensor& sorted) {
  if (!given.defined()) return at::zeros({rows, batch, hidden}, data.options());
  if (given.dim() != 3 || given.size(0) != rows || given.size(1) != batch || given.size(2) != hidden) {
    throw mlr::ArgumentError(std::string("expected ") + name + " of size [" + std::to_string(rows) + ", " +
                             std::to_string(batch) + ", " + std::to_string(hidden) + "], got " +
                             c10::str(given.sizes()));
  }
  return sorted.defined() ? given.index_select(1, sorted) : given;
}

}  // namespace

// mode 0 LSTM, 1 GRU, 2 RNN with tanh, 3 RNN with relu.
// input: (T, N, in), or (N, T, in) with batch_first; hx (and cx for LSTM): (layers * directions, N, hidden).
// params: the flat weight list in PyTorch's order: for each layer, for each direction, w_ih, w_hh, then b_ih, b_hh
// when has_biases. dropout applies between layers when train != 0, drawing from the default generator.
// Outputs: the last layer's output for every step, and the final hidden state (and cell state for LSTM; out_cy
// may be null otherwise).
MLR_API mlr_status mlr_nn_rnn_forward(int32_t mode, mlr_tensor input, mlr_tensor hx, mlr_tensor cx,
                                      const mlr_tensor* params, int32_t n_params, int32_t has_biases,
                                      int64_t num_layers, double dropout, int32_t train, int32_t bidirectional,
                                      int32_t batch_first, mlr_tensor* out_output, mlr_tensor* out_hy,
                                      mlr_tensor* out_cy) {
  return mlr::guard([&] {
    auto& x = mlr::get(input, "input");
    auto& h = mlr::get(hx, "hx");
    auto weights = checked_weights(params, n_params, has_biases != 0, num_layers, bidirectional != 0);
    bool hb = has_biases != 0, tr = train != 0, bi = bidirectional != 0, bf = batch_first != 0;
    switch (mode) {
      case 0: {
        if (out_cy == nullptr) throw mlr::ArgumentError("an LSTM needs somewhere to put its cell state");
        auto& c = mlr::get(cx, "cx");
        auto r = mlr::fused_lstm_applies(x, h, c, weights, hb, num_layers, bi, bf)
                     ? mlr::fused_lstm(x, h, c, weights, hb, num_layers, dropout, tr, bi, bf)
                     : at::lstm(x, {h, c}, weights, hb, num_layers, dropout, tr, bi, bf);
        *out_output = mlr::wrap(std::get<0>(r));
        *out_hy = mlr::wrap(std::get<1>(r));
        *out_cy = mlr::wrap(std::get<2>(r));
        return;
      }
      case 1:
      case 2:
      case 3: {
        std::tuple<at::Tensor, at::Tensor> r;
        if (mode == 1) r = at::gru(x, h, weights, hb, num_layers, dropout, tr, bi, bf);
        else if (mode == 2) r = at::rnn_tanh(x, h, weights, hb, num_layers, dropout, tr, bi, bf);
        else r = at::rnn_relu(x, h, weights, hb, num_layers, dropout, tr, bi, bf);
        *out_output = mlr::wrap(std::get<0>(r));
        *out_hy = mlr::wrap(std::get<1>(r));
        return;
      }
      default: throw mlr::ArgumentError("unknown RNN mode " + std::to_string(mode));
    }
  });
}

// The recurrent kernels over a packed batch (see the top of the file). sorted/unsorted: the permutation that
// sorted the batch by length (null when it came sorted); initial states come and final states go in the caller's
// batch order. hx, cx: (layers * directions, N, hidden) or null for zeros. Outputs: packed output data
// (sum of lengths, directions * hidden), and each sequence's state after its own last step.
MLR_API mlr_status mlr_nn_rnn_forward_packed(int32_t mode, mlr_tensor data, mlr_tensor batch_sizes, mlr_tensor sorted,
                                             mlr_tensor unsorted, mlr_tensor hx, mlr_tensor cx,
                                             const mlr_tensor* params, int32_t n_params, int32_t has_biases,
                                             int64_t num_layers, double dropout, int32_t train, int32_t bidirectional,
                                             int64_t hidden_size, mlr_tensor* out_output, mlr_tensor* out_hy,
                                             mlr_tensor* out_cy) {
  return mlr::guard([&] {
    auto& x = mlr::get(data, "data");
    auto& sizes = mlr::get(batch_sizes, "batch_sizes");
    auto order = mlr::opt(sorted), inverse = mlr::opt(unsorted);
    auto weights = checked_weights(params, n_params, has_biases != 0, num_layers, bidirectional != 0);
    auto batch = check_packed(x, sizes, order, inverse);
    if (x.dim() != 2) throw mlr::ArgumentError("packed data must be 2-D (rows, features), got " + c10::str(x.sizes()));
    if (hidden_size < 1) throw mlr::ArgumentError("hidden_size must be at least 1");
    if (mode < 0 || mode > 3) throw mlr::ArgumentError("unknown RNN mode " + std::to_string(mode));
    if (mode == 0 && out_cy == nullptr) throw mlr::ArgumentError("an LSTM needs somewhere to put its cell state");
    if (order.defined()) order = order.to(x.device());
    int64_t rows = num_layers * (bidirectional != 0 ? 2 : 1);
    auto h = packed_state(mlr::opt(hx), "h_0", x, rows, batch, hidden_size, order);
    bool hb = has_biases != 0, tr = train != 0, bi = bidirectional != 0;
    at::Tensor output, hy, cy;
    if (mode == 0) {
      auto c = packed_state(mlr::opt(cx), "c_0", x, rows, batch, hidden_size, order);
      std::tie(output, hy, cy) = at::lstm(x, sizes, {h, c}, weights, hb, num_layers, dropout, tr, bi);
    } else if (mode == 1) {
      std::tie(output, hy) = at::gru(x, sizes, h, weights, hb, num_layers, dropout, tr, bi);
    } else if (mode == 2) {
      std::tie(output, hy) = at::rnn_tanh(x, sizes, h, weights, hb, num_layers, dropout, tr, bi);
    } else {
      std::tie(output, hy) = at::rnn_relu(x, sizes, h, weights, hb, num_layers, dropout, tr, bi);
    }
    if (inverse.defined()) {
      inverse = inverse.to(hy.device());
      hy = hy.index_select(1, inverse);
      if (cy.defined()) cy = cy.index_select(1, inverse);
    }
    *out_output = mlr::wrap(std::move(output));
    *out_hy = mlr::wrap(std::move(hy));
    if (out_cy != nullptr) *out_cy = mlr::wrap_optional(std::move(cy));
  });
}

// pack_padded_sequence: input (T, N, *), or (N, T, *) with batch_first; lengths: N integers in 1..T (any integer
// dtype and device; read on the CPU). enforce_sorted != 0 requires them non-increasing; otherwise the batch is
// sorted by decreasing length first (the same sort as PyTorch's, so ties keep its order) and the permutation and
// its inverse come back on the input's device (null when enforce_sorted). data (sum of lengths, *), batch_sizes (T',)
// with T' the longest length.
MLR_API mlr_status mlr_nn_rnn_pack_padded(mlr_tensor input, mlr_tensor lengths, int32_t batch_first,
                                          int32_t enforce_sorted, mlr_tensor* out_data, mlr_tensor* out_batch_sizes,
                                          mlr_tensor* out_sorted, mlr_tensor* out_unsorted) {
  return mlr::guard([&] {
    auto x = mlr::get(input, "input");
    bool bf = batch_first != 0;
    if (x.dim() < 2) {
      throw mlr::ArgumentError("a padded batch needs at least 2 dims (steps and batch), got shape " +
                               c10::str(x.sizes()));
    }
    int64_t batch = x.size(bf ? 0 : 1), steps = x.size(bf ? 1 : 0);
    if (batch == 0) throw mlr::ArgumentError("cannot pack an empty batch (shape " + c10::str(x.sizes()) + ")");
    auto lens = checked_lengths(mlr::get(lengths, "lengths"), batch, steps);
    at::Tensor order, inverse;
    if (enforce_sorted != 0) {
      const auto* p = lens.data_ptr<int64_t>();
      for (int64_t i = 1; i < batch; ++i) {
        if (p[i] > p[i - 1]) {
          throw mlr::ArgumentError("lengths must be sorted in decreasing order when enforce_sorted is true, but "
                                   "lengths[" + std::to_string(i) + "] = " + std::to_string(p[i]) + " follows " +
                                   std::to_string(p[i - 1]) + "; pass enforce_sorted = false to have them sorted");
        }
      }
    } else {
      std::tie(lens, order) = lens.sort(/*dim=*/0, /*descending=*/true);
      order = order.to(x.device());
      x = x.index_select(bf ? 0 : 1, order);
      inverse = at::empty_like(order).scatter_(0, order, at::arange(batch, order.options()));
    }
    auto [packed, sizes] = at::_pack_padded_sequence(x, lens, bf);
    *out_data = mlr::wrap(std::move(packed));
    *out_batch_sizes = mlr::wrap(std::move(sizes));
    *out_sorted = mlr::wrap_optional(std::move(order));
    *out_unsorted = mlr::wrap_optional(std::move(inverse));
  });
}

// pad_packed_sequence: back to (T, N, *) (or batch-first) in the caller's order, padding_value after each
// sequence's end; total_length < 0 pads to the longest sequence, otherwise to total_length steps (at least the
// longest). lengths: (N,) int64 on the CPU.
MLR_API mlr_status mlr_nn_rnn_pad_packed(mlr_tensor data, mlr_tensor batch_sizes, mlr_tensor sorted,
                                         mlr_tensor unsorted, int32_t batch_first, double padding_value,
                                         int64_t total_length, mlr_tensor* out_padded, mlr_tensor* out_lengths) {
  return mlr::guard([&] {
    auto& x = mlr::get(data, "data");
    auto& sizes = mlr::get(batch_sizes, "batch_sizes");
    auto inverse = mlr::opt(unsorted);
    check_packed(x, sizes, mlr::opt(sorted), inverse);
    int64_t longest = sizes.size(0);
    if (total_length >= 0 && total_length < longest) {
      throw mlr::ArgumentError("total_length is " + std::to_string(total_length) +
                               ", shorter than the longest sequence (" + std::to_string(longest) + " steps)");
    }
    bool bf = batch_first != 0;
    int64_t steps = total_length < 0 ? longest : total_length;
    auto [padded, lens] = at::_pad_packed_sequence(x, sizes, bf, padding_value, steps);
    if (inverse.defined()) {
      padded = padded.index_select(bf ? 0 : 1, inverse.to(padded.device()));
      lens = lens.index_select(0, inverse.to(lens.device()));
    }
    *out_padded = mlr::wrap(std::move(padded));
    *out_lengths = mlr::wrap(std::move(lens));
  });
}

// pad_sequence: a list of (L_i, *) tensors with the same trailing dims into (max L, count, *), or
// (count, max L, *) with batch_first, padding_value after each one's end.
MLR_API mlr_status mlr_nn_rnn_pad_sequence(const mlr_tensor* sequences, int32_t count, int32_t batch_first,
                                           double padding_value, mlr_tensor* out) {
  return mlr::guard([&] {
    auto list = mlr::tensors(sequences, count, "sequences");
    if (list.empty()) throw mlr::ArgumentError("pad_sequence needs at least one sequence");
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].dim() < 1) {
        throw mlr::ArgumentError("sequence " + std::to_string(i) + " is 0-dim; each needs a length dim");
      }
      if (!list[i].sizes().slice(1).equals(list[0].sizes().slice(1))) {
        throw mlr::ArgumentError("sequence " + std::to_string(i) + " has shape " + c10::str(list[i].sizes()) +
                                 " but sequence 0 has " + c10::str(list[0].sizes()) +
                                 "; every dim after the first must match");
      }
    }
    *out = mlr::wrap(at::pad_sequence(list, batch_first != 0, padding_value));
  });
}
