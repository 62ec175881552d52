// The C++ floor for bench/run.sh's tiny-op workloads: the same libtorch ops called directly, with no language
// binding on top. C#'s and Python's per-op overhead is their time minus this one.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

template <class F>
std::vector<double> per_op_ns(F&& f, int n) {
  for (int i = 0; i < std::min(n, 5000); ++i) f();
  std::vector<double> samples;
  for (int r = 0; r < 15; ++r) {
    auto t = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) f();
    samples.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t).count() / n);
  }
  return samples;
}

void print(const char* name, std::vector<double> s) {
  auto sorted = s;
  std::sort(sorted.begin(), sorted.end());
  std::printf("{\"lang\": \"cpp\", \"workload\": \"%s\", \"unit\": \"ns_per_op\", \"median\": %.1f, \"min\": %.1f, "
              "\"samples\": [", name, sorted[sorted.size() / 2], sorted[0]);
  for (size_t i = 0; i < s.size(); ++i) std::printf("%s%.1f", i ? ", " : "", s[i]);
  std::printf("], \"threads\": %d}\n", at::get_num_threads());
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  }
  at::set_num_threads(threads);
  auto a = at::ones({1});
  auto b = at::ones({1});
  int n = quick ? 20000 : 100000;
  print("tiny_add", per_op_ns([&] { auto c = at::add(a, b); }, n));
  print("tiny_add_", per_op_ns([&] { a.add_(b); }, n));
}
