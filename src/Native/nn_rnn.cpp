// Recurrent layers through libtorch's fused multi-layer kernels (at::lstm, at::gru, at::rnn_tanh, at::rnn_relu):
// one call runs every layer and direction, and on CUDA it dispatches to cuDNN's fused RNN, about ten times faster
// than a step-by-step loop. CPU LSTMs take the shim's own fused path instead (nn_lstm_cpu.cpp) where it applies.
#include "mlr.h"
#include "nn_lstm_cpu.h"

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
    auto weights = mlr::tensors(params, n_params, "params");
    int64_t per_direction = has_biases != 0 ? 4 : 2;
    int64_t expected = num_layers * (bidirectional != 0 ? 2 : 1) * per_direction;
    if (num_layers < 1) throw mlr::ArgumentError("num_layers must be at least 1");
    if (static_cast<int64_t>(weights.size()) != expected) {
      throw mlr::ArgumentError("expected " + std::to_string(expected) + " weight tensors for " +
                               std::to_string(num_layers) + " layer(s), got " + std::to_string(weights.size()));
    }
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
