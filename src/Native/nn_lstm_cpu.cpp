// Fused CPU LSTM. On the CPU, at::lstm runs op by op: per time step two small GEMMs, four activation kernels and
// several multiplies and adds, each with its autograd node, then a stack of the step outputs; its backward adds a
// weight-gradient GEMM per step whose inner dimension is the batch size, which BLAS runs at a fraction of its speed.
// Here one layer in one direction is a single autograd Function (LstmLayer):
//   forward:  Xp = X W_ih^T + (b_ih + b_hh) for all steps in one GEMM; per step one GEMM Xp[t] += h W_hh^T and one
//             vectorised loop for gates, cell and hidden state, which writes h straight into the output.
//   backward: per step one loop for the pre-activation gate gradients dG[t] and one GEMM dh = dG[t] W_hh; then each
//             weight gradient as one GEMM over all steps, and the input gradient as one more.
// Batch rows are independent sequences, so each direction's recurrence is one parallel region over slices of the
// batch, with no synchronisation between time steps.
// Layers, directions, dropout between layers, batch_first and initial states are composed around it with ordinary
// ATen ops in at::lstm's order (fused_lstm at the end), so dropout draws the same random numbers as at::lstm.
#include "nn_lstm_cpu.h"

#include "mlr.h"

#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>
#include <ATen/ThreadLocalState.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mlr {
std::atomic<bool> fused_cpu_lstm{true};
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ---- Activations on GNU vectors -------------------------------------------------------------------------------
// ATen's CPU sigmoid and tanh are vectorised (Sleef). With glibc's scalar expf/tanhf this loop took 300 µs per step
// for 32 x 128 cells, against 20 µs for the AVX2 code below. Every helper is always inlined into its caller, so the
// 32-byte vectors never cross a function boundary compiled without AVX (the ABI change -Wpsabi warns about).
#pragma GCC diagnostic ignored "-Wpsabi"
#define MLR_INLINE inline __attribute__((always_inline))

typedef float f32x4 __attribute__((vector_size(16)));  // any x86-64 (SSE2) or ARM (NEON)
typedef float f32x8 __attribute__((vector_size(32)));  // AVX2 + FMA, chosen at run time

// e^x for float lanes within 2 ulp. x is clamped to [-87, 88], where e^x is still a normal float, so 2^n below
// stays a normal number; sigmoid and tanh are saturated (to 1 ulp or better) beyond that range anyway.
// x = n ln2 + r with |r| <= ln2/2; e^r by its Taylor polynomial to r^7 (truncation < 6e-9); 2^n from its bits.
template <class V>
MLR_INLINE V exp_lanes(const V& arg) {
  using I = decltype(arg < arg);  // int32 lanes of the same width
  const V lo = V{} - 87.0f, hi = V{} + 88.0f;
  V x = arg < lo ? lo : arg;
  x = x > hi ? hi : x;
  // Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer n, which then sits in the low mantissa bits of t.
  const float shifter = 12582912.0f;
  V t = x * 1.44269504088896341f + shifter;
  V n = t - shifter;
  // ln2 in two parts, the first (355/512) short enough that n * 0.693359375 is exact for |n| <= 127.
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440054690583e-4f;
  V p = V{} + 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  I two_n = ((I)t - (0x4B400000 - 127)) << 23;  // t's bits are 0x4B400000 + n; (n + 127) << 23 is 2^n
  return p * (V)two_n;
}

template <class V>
MLR_INLINE V sigmoid_lanes(const V& x) {
  return 1.0f / (1.0f + exp_lanes(-x));
}

// tanh for float lanes within a few ulp. Below |x| = 0.25 the odd Taylor series to x^11 (truncation < 1e-10);
// above, 1 - 2 / (e^2|x| + 1), where the subtraction loses at most 2 bits since tanh(0.25) > 0.24.
template <class V>
MLR_INLINE V tanh_lanes(const V& x) {
  using I = decltype(x < x);
  I sign = (I)x & INT32_MIN;
  V a = (V)((I)x ^ sign);
  V z = a * a;
  V small = ((((z * (-1382.0f / 155925) + 62.0f / 2835) * z - 17.0f / 315) * z + 2.0f / 15) * z - 1.0f / 3) * z * a + a;
  V large = 1.0f - 2.0f / (exp_lanes(a + a) + 1.0f);
  V y = a < 0.25f ? small : large;
  return (V)((I)y | sign);
}

// float64 runs one lane with libm's exp and tanh (accurate to about 1 ulp, as ATen's): double is for checks and
// gradchecks, where agreement with at::lstm to 1e-10 matters more than speed.
MLR_INLINE double sigmoid_lanes(double x) { return 1.0 / (1.0 + std::exp(-x)); }
MLR_INLINE double tanh_lanes(double x) { return std::tanh(x); }

// A pack of sizeof(V)/sizeof(S) elements; n is smaller only for the tail of a row (zero-filled, never stored).
template <class V, class S>
MLR_INLINE V load(const S* p, int64_t n) {
  V v{};
  std::memcpy(&v, p, static_cast<size_t>(n) * sizeof(S));
  return v;
}

template <class V, class S>
MLR_INLINE void store(S* p, const V& v, int64_t n) {
  std::memcpy(p, &v, static_cast<size_t>(n) * sizeof(S));
}

// ---- The per-step loops ---------------------------------------------------------------------------------------
// Forward of one step for one row at hidden units [j, j + n): g (4H) holds the pre-activations in PyTorch's gate
// order i, f, g, o and gets the activations (kept for backward); c = f c_prev + i g, h = o tanh(c).
template <class V, class S>
MLR_INLINE void cell_forward(S* g, int64_t H, const S* c_prev, S* c, S* tanh_c, S* h, int64_t j, int64_t n) {
  V i = sigmoid_lanes(load<V>(g + j, n));
  V f = sigmoid_lanes(load<V>(g + H + j, n));
  V cand = tanh_lanes(load<V>(g + 2 * H + j, n));
  V o = sigmoid_lanes(load<V>(g + 3 * H + j, n));
  V cell = f * load<V>(c_prev + j, n) + i * cand;
  V tc = tanh_lanes(cell);
  store(g + j, i, n);
  store(g + H + j, f, n);
  store(g + 2 * H + j, cand, n);
  store(g + 3 * H + j, o, n);
  store(c + j, cell, n);
  store(tanh_c + j, tc, n);
  store(h + j, o * tc, n);
}

// Backward of one step for one row at [j, j + n). g: the activations i, f, g, o (4H); dh_next: the gradient reaching
// h from the step after (through W_hh), grad_h: this step's output gradient (null when the output was unused);
// dc: the cell gradient from the step after, replaced by the one for the step before. dg (4H) gets the gradient of
// the pre-activation gates.
template <class V, class S>
MLR_INLINE void cell_backward(const S* g, int64_t H, const S* grad_h, const S* dh_next, const S* c_prev,
                              const S* tanh_c, S* dc, S* dg, int64_t j, int64_t n) {
  const V one = V{} + S(1);
  V i = load<V>(g + j, n), f = load<V>(g + H + j, n), cand = load<V>(g + 2 * H + j, n), o = load<V>(g + 3 * H + j, n);
  V tc = load<V>(tanh_c + j, n);
  V dh = load<V>(dh_next + j, n);
  if (grad_h != nullptr) dh = dh + load<V>(grad_h + j, n);
  V dcell = load<V>(dc + j, n) + dh * o * (one - tc * tc);
  store(dg + j, dcell * cand * i * (one - i), n);
  store(dg + H + j, dcell * load<V>(c_prev + j, n) * f * (one - f), n);
  store(dg + 2 * H + j, dcell * i * (one - cand * cand), n);
  store(dg + 3 * H + j, dh * tc * o * (one - o), n);
  store(dc + j, dcell * f, n);
}

// Whole rows: full packs, then one partial pack for the tail.
template <class V, class S>
MLR_INLINE void forward_rows(int64_t rows, int64_t H, S* gates, const S* c_prev, S* c, S* tanh_c, S* h) {
  constexpr int64_t L = sizeof(V) / sizeof(S);
  for (int64_t r = 0; r < rows; ++r) {
    S* g = gates + r * 4 * H;
    int64_t k = r * H, j = 0;
    for (; j + L <= H; j += L) cell_forward<V>(g, H, c_prev + k, c + k, tanh_c + k, h + k, j, L);
    if (j < H) cell_forward<V>(g, H, c_prev + k, c + k, tanh_c + k, h + k, j, H - j);
  }
}

template <class V, class S>
MLR_INLINE void backward_rows(int64_t rows, int64_t H, const S* gates, const S* grad_h, const S* dh_next,
                              const S* c_prev, const S* tanh_c, S* dc, S* dg) {
  constexpr int64_t L = sizeof(V) / sizeof(S);
  for (int64_t r = 0; r < rows; ++r) {
    const S* g = gates + r * 4 * H;
    const S* gh = grad_h == nullptr ? nullptr : grad_h + r * H;
    int64_t k = r * H, j = 0;
    for (; j + L <= H; j += L) cell_backward<V>(g, H, gh, dh_next + k, c_prev + k, tanh_c + k, dc + k, dg + r * 4 * H, j, L);
    if (j < H) cell_backward<V>(g, H, gh, dh_next + k, c_prev + k, tanh_c + k, dc + k, dg + r * 4 * H, j, H - j);
  }
}

// float: AVX2 + FMA where the CPU has them (checked once), else 4-wide vectors every x86-64 (or ARM) has.
#if defined(__x86_64__) || defined(__i386__)
#define MLR_LSTM_AVX2 1
__attribute__((target("avx2,fma"))) void forward_rows_avx2(int64_t rows, int64_t H, float* gates, const float* c_prev,
                                                           float* c, float* tanh_c, float* h) {
  forward_rows<f32x8>(rows, H, gates, c_prev, c, tanh_c, h);
}

__attribute__((target("avx2,fma"))) void backward_rows_avx2(int64_t rows, int64_t H, const float* gates,
                                                            const float* grad_h, const float* dh_next,
                                                            const float* c_prev, const float* tanh_c, float* dc,
                                                            float* dg) {
  backward_rows<f32x8>(rows, H, gates, grad_h, dh_next, c_prev, tanh_c, dc, dg);
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

void step_forward(int64_t rows, int64_t H, float* gates, const float* c_prev, float* c, float* tanh_c, float* h) {
#ifdef MLR_LSTM_AVX2
  if (have_avx2()) return forward_rows_avx2(rows, H, gates, c_prev, c, tanh_c, h);
#endif
  forward_rows<f32x4>(rows, H, gates, c_prev, c, tanh_c, h);
}

void step_forward(int64_t rows, int64_t H, double* gates, const double* c_prev, double* c, double* tanh_c, double* h) {
  forward_rows<double>(rows, H, gates, c_prev, c, tanh_c, h);
}

void step_backward(int64_t rows, int64_t H, const float* gates, const float* grad_h, const float* dh_next,
                   const float* c_prev, const float* tanh_c, float* dc, float* dg) {
#ifdef MLR_LSTM_AVX2
  if (have_avx2()) return backward_rows_avx2(rows, H, gates, grad_h, dh_next, c_prev, tanh_c, dc, dg);
#endif
  backward_rows<f32x4>(rows, H, gates, grad_h, dh_next, c_prev, tanh_c, dc, dg);
}

void step_backward(int64_t rows, int64_t H, const double* gates, const double* grad_h, const double* dh_next,
                   const double* c_prev, const double* tanh_c, double* dc, double* dg) {
  backward_rows<double>(rows, H, gates, grad_h, dh_next, c_prev, tanh_c, dc, dg);
}

// ---- Threads ----------------------------------------------------------------------------------------------------
// at::parallel_for is a header template whose parallel branch needs OpenMP in the calling file; the shim is compiled
// without it, so its copy there runs everything on the calling thread (measured: two chunks took twice as long as
// one). TensorIterator::for_each is compiled inside libtorch, so iterating over a tensor of work-unit indices reaches
// libtorch's own intra-op threads, with whichever backend it was built (OpenMP or its native pool), honouring
// at::set_num_threads and nesting (ops called inside run single-threaded). f(begin, end) gets chunks of [0, n) of at
// least grain units, one per thread. Workers take on the caller's thread-local state (grad and inference mode,
// dispatch keys, profiler), as at::launch does, so the ops they run behave as if the caller ran them.
template <class F>
void parallel_units(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  if (n <= grain || at::get_num_threads() == 1 || at::in_parallel_region()) return f(0, n);
  auto units = at::arange(n, at::kLong);  // (n,) contiguous: unit k holds k
  auto iter = at::TensorIteratorConfig().add_input(units).build();
  const at::ThreadLocalState caller_state;
  iter.for_each(
      [&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
        at::ThreadLocalStateGuard state_guard(caller_state);
        for (int64_t k = 0; k < size1; ++k) {
          const auto* first = reinterpret_cast<const int64_t*>(data[0] + k * strides[1]);
          f(first[0], first[0] + size0);  // consecutive units: the iterator keeps the one dimension contiguous
        }
      },
      grain);
}

// ---- GEMMs ----------------------------------------------------------------------------------------------------
// out = a b (+ bias on every row), or out += a b with accumulate, over blocks of out's rows in parallel. The engine
// keeps BLAS single-threaded (its own pool would fight libtorch's), so the all-steps GEMMs get libtorch's threads
// this way; each block is an ordinary at::mm on views. All operands are detached: nothing here may be recorded by
// autograd.
void mm_rows(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias,
             bool accumulate) {
  const int64_t rows = out.size(0);
  if (rows == 0) return;
  const int64_t per_row = std::max<int64_t>(1, a.size(1) * b.size(1));  // multiply-adds per output row
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 18) / per_row);
  parallel_units(rows, grain, [&](int64_t r0, int64_t r1) {
    auto o = out.narrow(0, r0, r1 - r0);
    auto ar = a.narrow(0, r0, r1 - r0);
    if (accumulate) o.addmm_(ar, b);
    else if (bias.defined()) at::addmm_out(o, bias, ar, b);
    else at::mm_out(o, ar, b);
  });
}

// Rows of the batch per slice of the recurrence. Each slice multiplies its rows by all of W_hh every step, so slices
// must be tall enough for BLAS to run well (and small problems stay on one thread).
int64_t batch_grain(int64_t H) {
  const int64_t per_row = 4 * H * H;  // multiply-adds per row per step
  return std::max<int64_t>(8, (int64_t{1} << 16) / std::max<int64_t>(1, per_row));
}

// ---- One layer, one direction -----------------------------------------------------------------------------------
// Everything forward produces: output (T, B, H); gates (T, B, 4H) activated i, f, g, o; cells and tanh_cells (T, B, H).
struct LayerState {
  at::Tensor output, gates, cells, tanh_cells;
};

// x (T, B, I), h0 and c0 (B, H), all contiguous; w_ih (4H, I), w_hh (4H, H); bias (4H) = b_ih + b_hh or undefined.
// reverse runs the steps from T-1 down to 0.
template <class S>
LayerState layer_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0, const at::Tensor& w_ih,
                         const at::Tensor& w_hh, const at::Tensor& bias, bool reverse) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = w_hh.size(1);
  LayerState st;
  st.gates = at::empty({T, B, 4 * H}, x.options());
  mm_rows(st.gates.view({T * B, 4 * H}), x.view({T * B, I}), w_ih.t(), bias, false);
  st.output = at::empty({T, B, H}, x.options());
  st.cells = at::empty({T, B, H}, x.options());
  st.tanh_cells = at::empty({T, B, H}, x.options());
  S* gates = st.gates.data_ptr<S>();
  S* out = st.output.data_ptr<S>();
  S* cells = st.cells.data_ptr<S>();
  S* tanh_cells = st.tanh_cells.data_ptr<S>();
  const S* c0p = c0.data_ptr<S>();
  const auto w_hh_t = w_hh.t();
  parallel_units(B, batch_grain(H), [&](int64_t b0, int64_t b1) {
    const int64_t n = b1 - b0;
    for (int64_t s = 0; s < T; ++s) {
      const int64_t t = reverse ? T - 1 - s : s, prev = reverse ? t + 1 : t - 1;
      // gates[t] += h_prev W_hh^T for this slice's rows; the first step starts from h0.
      const at::Tensor h_prev = s == 0 ? h0.narrow(0, b0, n) : st.output.select(0, prev).narrow(0, b0, n);
      st.gates.select(0, t).narrow(0, b0, n).addmm_(h_prev, w_hh_t);
      const S* c_prev = s == 0 ? c0p + b0 * H : cells + (prev * B + b0) * H;
      const int64_t row = t * B + b0;
      step_forward(n, H, gates + row * 4 * H, c_prev, cells + row * H, tanh_cells + row * H, out + row * H);
    }
  });
  return st;
}

// Gradients of one layer and direction. grad_out (T, B, H), grad_h and grad_c (B, H): contiguous or undefined
// (unused outputs). needs[k] says whether input k (x, h0, c0, w_ih, w_hh, biases) wants its gradient.
template <class S>
variable_list layer_backward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0, const at::Tensor& w_ih,
                             const at::Tensor& w_hh, const LayerState& st, bool reverse, bool has_bias,
                             const at::Tensor& grad_out, const at::Tensor& grad_h, const at::Tensor& grad_c,
                             const bool needs[6]) {
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2), H = w_hh.size(1);
  auto d_gates = at::empty({T, B, 4 * H}, x.options());
  // The recurrent gradient of h and the cell gradient, carried from step to step; they end as d_h0 and d_c0.
  auto dh = grad_h.defined() ? grad_h.clone() : at::zeros({B, H}, x.options());
  auto dc = grad_c.defined() ? grad_c.clone() : at::zeros({B, H}, x.options());
  const S* gates = st.gates.data_ptr<S>();
  const S* cells = st.cells.data_ptr<S>();
  const S* tanh_cells = st.tanh_cells.data_ptr<S>();
  const S* c0p = c0.data_ptr<S>();
  const S* go = grad_out.defined() ? grad_out.data_ptr<S>() : nullptr;
  S* dg = d_gates.data_ptr<S>();
  S* dhp = dh.data_ptr<S>();
  S* dcp = dc.data_ptr<S>();
  parallel_units(B, batch_grain(H), [&](int64_t b0, int64_t b1) {
    const int64_t n = b1 - b0;
    for (int64_t s = T - 1; s >= 0; --s) {
      const int64_t t = reverse ? T - 1 - s : s, prev = reverse ? t + 1 : t - 1;
      const int64_t row = t * B + b0;
      const S* c_prev = s == 0 ? c0p + b0 * H : cells + (prev * B + b0) * H;
      step_backward(n, H, gates + row * 4 * H, go == nullptr ? nullptr : go + row * H, dhp + b0 * H, c_prev,
                    tanh_cells + row * H, dcp + b0 * H, dg + row * 4 * H);
      // dh = dG[t] W_hh: the gradient reaching h_prev (h0 after the last step, needed only if h0 wants it).
      if (s > 0 || needs[1]) {
        auto dh_rows = dh.narrow(0, b0, n);
        at::mm_out(dh_rows, d_gates.select(0, t).narrow(0, b0, n), w_hh);
      }
    }
  });

  variable_list grads(7);  // x, h0, c0, w_ih, w_hh, b_ih, b_hh
  const auto dG = d_gates.view({T * B, 4 * H});
  if (needs[0]) {
    grads[0] = at::empty({T, B, I}, x.options());
    mm_rows(grads[0].view({T * B, I}), dG, w_ih, at::Tensor(), false);
  }
  if (needs[1]) grads[1] = dh;
  if (needs[2]) grads[2] = dc;
  if (needs[3]) {
    grads[3] = at::empty({4 * H, I}, x.options());
    mm_rows(grads[3], dG.t(), x.view({T * B, I}), at::Tensor(), false);
  }
  if (needs[4]) {
    // dW_hh = sum_t dG[t]^T h_prev(t): the steps whose h_prev is an output in one GEMM, the first step's h0 added.
    grads[4] = at::empty({4 * H, H}, x.options());
    const int64_t first = reverse ? T - 1 : 0;
    bool started = false;
    if (T > 1) {
      auto dg_rest = d_gates.narrow(0, reverse ? 0 : 1, T - 1).view({(T - 1) * B, 4 * H});
      auto h_rest = st.output.narrow(0, reverse ? 1 : 0, T - 1).view({(T - 1) * B, H});
      mm_rows(grads[4], dg_rest.t(), h_rest, at::Tensor(), false);
      started = true;
    }
    mm_rows(grads[4], d_gates.select(0, first).t(), h0, at::Tensor(), started);
  }
  if (has_bias && needs[5]) {
    // b_ih and b_hh get the same gradient, as separate tensors (the optimizer updates each .grad in place).
    grads[5] = dG.sum(0);
    grads[6] = grads[5].clone();
  }
  return grads;
}

// Gradients returned while a graph is being built (create_graph) pass through this node, whose backward refuses
// with a clear message: the loops above are not differentiable, so second derivatives would be silently wrong.
// The node's inputs are the gradients and, as `context`, the tensors the gradients depend on (the layer's inputs and
// the incoming output gradients), so any later differentiation towards those reaches it.
struct FirstOrderOnly : public torch::autograd::Function<FirstOrderOnly> {
  static variable_list forward(AutogradContext* /*ctx*/, at::TensorList grads, at::TensorList /*context*/) {
    return grads.vec();
  }
  static variable_list backward(AutogradContext* /*ctx*/, variable_list /*grads*/) {
    TORCH_CHECK(false,
                "the fused CPU LSTM supports first-order gradients only, and this differentiates its gradient "
                "(double backward). Turn it off for this computation (Torch.Backends.FusedCpuLstm = false, or "
                "MLROADMAP_FUSED_LSTM=0 at start) to use libtorch's at::lstm, which supports it.");
    return {};
  }
};

// One layer in one direction as an autograd Function. Inputs are (T, B, I) input, (B, H) h0 and c0, the weights and
// optional biases; outputs are output (T, B, H), h_T and c_T (B, H).
struct LstmLayer : public torch::autograd::Function<LstmLayer> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& h0,
                               const at::Tensor& c0, const at::Tensor& w_ih, const at::Tensor& w_hh,
                               const c10::optional<at::Tensor>& b_ih, const c10::optional<at::Tensor>& b_hh,
                               bool reverse) {
    // Detached: nothing inside may be recorded by autograd (the raw loops would break the graph anyway).
    auto x = input.detach().contiguous();
    auto h = h0.detach().contiguous();
    auto c = c0.detach().contiguous();
    auto wi = w_ih.detach(), wh = w_hh.detach();
    at::Tensor bias = b_ih.has_value() ? b_ih->detach() + b_hh->detach() : at::Tensor();
    LayerState st;
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fused_lstm_forward",
                               [&] { st = layer_forward<scalar_t>(x, h, c, wi, wh, bias, reverse); });
    const int64_t last = reverse ? 0 : x.size(0) - 1;
    auto h_T = st.output.select(0, last).clone();
    auto c_T = st.cells.select(0, last).clone();
    // Unused outputs send undefined gradients; backward treats them as zeros without materialising them.
    ctx->set_materialize_grads(false);
    ctx->saved_data["reverse"] = reverse;
    ctx->saved_data["bias"] = b_ih.has_value();
    // The inputs themselves (not the detached copies above), so that backward can link them to FirstOrderOnly.
    ctx->save_for_backward({input, h0, c0, w_ih, w_hh, st.output, st.gates, st.cells, st.tanh_cells,
                            b_ih.value_or(at::Tensor()), b_hh.value_or(at::Tensor())});
    return {st.output, h_T, c_T};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const bool reverse = ctx->saved_data["reverse"].toBool();
    const bool has_bias = ctx->saved_data["bias"].toBool();
    const bool building_graph = at::GradMode::is_enabled();  // backward(create_graph: true)
    auto saved = ctx->get_saved_variables();
    bool needs[6];
    for (int k = 0; k < 5; ++k) needs[k] = ctx->needs_input_grad(k);
    needs[5] = has_bias && (ctx->needs_input_grad(5) || ctx->needs_input_grad(6));

    variable_list grads;
    {
      at::NoGradGuard no_grad;
      auto d = [](const at::Tensor& t) { return t.detach(); };
      auto g = [](const at::Tensor& t) { return t.defined() ? t.detach().contiguous() : t; };
      LayerState st{d(saved[5]), d(saved[6]), d(saved[7]), d(saved[8])};
      auto x = g(saved[0]);
      AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "fused_lstm_backward", [&] {
        grads = layer_backward<scalar_t>(x, g(saved[1]), g(saved[2]), d(saved[3]), d(saved[4]), st, reverse,
                                         has_bias, g(grad_outputs[0]), g(grad_outputs[1]), g(grad_outputs[2]), needs);
      });
    }
    if (building_graph) {
      std::vector<at::Tensor> defined, context;
      std::vector<size_t> at_index;
      for (size_t k = 0; k < grads.size(); ++k) {
        if (!grads[k].defined()) continue;
        defined.push_back(grads[k]);
        at_index.push_back(k);
      }
      for (size_t k : {0, 1, 2, 3, 4, 9, 10}) {
        if (saved[k].defined() && saved[k].requires_grad()) context.push_back(saved[k]);
      }
      for (const auto& t : grad_outputs) {
        if (t.defined() && t.requires_grad()) context.push_back(t);
      }
      if (!context.empty()) {
        auto wrapped = FirstOrderOnly::apply(at::TensorList(defined), at::TensorList(context));
        for (size_t k = 0; k < wrapped.size(); ++k) grads[at_index[k]] = wrapped[k];
      }
    }
    grads.emplace_back();  // for the bool `reverse`
    return grads;
  }
};

bool same_kind(const at::Tensor& t, const at::Tensor& like) {
  return t.defined() && t.device() == like.device() && t.scalar_type() == like.scalar_type() &&
         t.layout() == at::kStrided;
}

bool cpu_autocast_on() {
#if MLR_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(at::kCPU);
#else
  return at::autocast::is_cpu_enabled();
#endif
}

}  // namespace

namespace mlr {

bool fused_lstm_applies(const at::Tensor& input, const at::Tensor& hx, const at::Tensor& cx,
                        const std::vector<at::Tensor>& params, bool has_biases, int64_t num_layers,
                        bool bidirectional, bool batch_first) {
  if (!fused_cpu_lstm.load(std::memory_order_relaxed)) return false;
  if (!input.defined() || !input.device().is_cpu() || input.layout() != at::kStrided) return false;
  if (input.scalar_type() != at::kFloat && input.scalar_type() != at::kDouble) return false;
  if (input.dim() != 3 || input.size(0) == 0 || input.size(1) == 0 || cpu_autocast_on()) return false;
  const int64_t dirs = bidirectional ? 2 : 1, per = has_biases ? 4 : 2;
  if (num_layers < 1 || static_cast<int64_t>(params.size()) != num_layers * dirs * per) return false;
  const int64_t B = input.size(batch_first ? 0 : 1);
  if (!same_kind(params[1], input) || params[1].dim() != 2) return false;
  const int64_t H = params[1].size(1);
  if (H == 0) return false;
  for (const auto* state : {&hx, &cx}) {
    if (!same_kind(*state, input) || state->sizes() != at::IntArrayRef({num_layers * dirs, B, H})) return false;
  }
  for (int64_t l = 0; l < num_layers; ++l) {
    const int64_t in = l == 0 ? input.size(2) : dirs * H;
    for (int64_t d = 0; d < dirs; ++d) {
      const at::Tensor* w = &params[(l * dirs + d) * per];
      for (int64_t k = 0; k < per; ++k) {
        if (!same_kind(w[k], input)) return false;
      }
      if (w[0].sizes() != at::IntArrayRef({4 * H, in}) || w[1].sizes() != at::IntArrayRef({4 * H, H})) return false;
      if (has_biases && (w[2].sizes() != at::IntArrayRef({4 * H}) || w[3].sizes() != at::IntArrayRef({4 * H})))
        return false;
    }
  }
  return true;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fused_lstm(const at::Tensor& input, const at::Tensor& hx,
                                                          const at::Tensor& cx, const std::vector<at::Tensor>& params,
                                                          bool has_biases, int64_t num_layers, double dropout,
                                                          bool train, bool bidirectional, bool batch_first) {
  const int64_t dirs = bidirectional ? 2 : 1, per = has_biases ? 4 : 2;
  // (T, B, I) throughout, as at::lstm does; contiguous so each layer reads its input as one (T*B, I) matrix.
  auto layer_input = (batch_first ? input.transpose(0, 1) : input).contiguous();
  std::vector<at::Tensor> h_n, c_n;
  for (int64_t l = 0; l < num_layers; ++l) {
    std::vector<at::Tensor> outputs;
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t index = l * dirs + d;
      const at::Tensor* w = &params[index * per];
      c10::optional<at::Tensor> b_ih, b_hh;
      if (has_biases) {
        b_ih = w[2];
        b_hh = w[3];
      }
      auto r = LstmLayer::apply(layer_input, hx.select(0, index), cx.select(0, index), w[0], w[1], b_ih, b_hh, d == 1);
      outputs.push_back(r[0]);
      h_n.push_back(r[1]);
      c_n.push_back(r[2]);
    }
    layer_input = dirs == 1 ? outputs[0] : at::cat(outputs, 2);  // (T, B, dirs * H), forward direction first
    // at::lstm's dropout: every layer's output but the last, in training, on the same shape, so the same draws.
    if (dropout != 0 && train && l < num_layers - 1) layer_input = at::dropout(layer_input, dropout, true);
  }
  auto output = batch_first ? layer_input.transpose(0, 1) : layer_input;
  return {output, at::stack(h_n, 0), at::stack(c_n, 0)};
}

}  // namespace mlr
