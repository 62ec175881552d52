// Runtime facts and global switches: libtorch version, threads, BLAS, CUDA devices and memory, backend flags.
#include "mlr.h"
#include "nn_lstm_cpu.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>

#include <fstream>
#include <thread>

#ifdef MLR_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
// The allocator statistics' StatType moved from c10::cuda::CUDACachingAllocator to c10::CachingDeviceAllocator (2.6);
// the header's presence tells which libtorch this is.
#if __has_include(<c10/core/CachingDeviceAllocator.h>)
namespace mlr_cuda_stats = c10::CachingDeviceAllocator;
#else
namespace mlr_cuda_stats = c10::cuda::CUDACachingAllocator;
#endif
#endif

namespace {

thread_local std::string text_a;
thread_local std::string text_b;

// Where the BLAS runs its threads; the managed BlasPool enum mirrors these values.
enum mlr_blas_pool : int32_t {
  mlr_blas_pool_unknown = 0,  // no BLAS with a threading query (the reference BLAS, or none found)
  mlr_blas_pool_none = 1,     // a single-threaded build (OpenBLAS serial)
  mlr_blas_pool_own = 2,      // a pool of its own beside libtorch's (OpenBLAS pthread)
  mlr_blas_pool_shared = 3,   // libtorch's OpenMP pool (OpenBLAS openmp)
  mlr_blas_pool_mkl = 4,      // MKL, whose threads libtorch sets itself
};

// OpenBLAS says how it was built: 0 single-threaded, 1 its own pthread pool, 2 OpenMP (libtorch's pool).
int32_t blas_pool() {
  using get_fn = int (*)();
  if (auto f = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel")); f != nullptr) {
    switch (f()) {
      case 0: return mlr_blas_pool_none;
      case 1: return mlr_blas_pool_own;
      case 2: return mlr_blas_pool_shared;
      default: return mlr_blas_pool_unknown;
    }
  }
  if (dlsym(RTLD_DEFAULT, "mkl_set_num_threads") != nullptr) return mlr_blas_pool_mkl;
  return mlr_blas_pool_unknown;
}

void openblas_set(int threads) {
  using set_fn = void (*)(int);
  if (auto f = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); f != nullptr) f(threads);
}

// Which BLAS the process really uses: the shared object mapped into it, not what the build meant to link.
void find_blas(std::string& name, std::string& path) {
  name = "none found";
  path.clear();
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string file = line.substr(slash);
    auto base = file.substr(file.rfind('/') + 1);
    bool is_blas = base.find("blas") != std::string::npos || base.find("libmkl_") != std::string::npos;
    if (!is_blas || base.find("cublas") != std::string::npos) continue;
    path = file;
    break;
  }
  using config_fn = char* (*)();
  if (auto f = reinterpret_cast<config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config")); f != nullptr) {
    name = f();  // already starts with "OpenBLAS <version>"
  } else if (dlsym(RTLD_DEFAULT, "mkl_get_version_string") != nullptr || path.find("mkl") != std::string::npos) {
    name = "Intel MKL";
  } else if (!path.empty()) {
    // Debian's libblas.so.3 alternative without OpenBLAS behind it is the slow reference implementation.
    name = path.find("/blas/") != std::string::npos ? "reference BLAS (netlib; install libopenblas0-openmp)"
                                                     : "unknown BLAS";
  }
  if (at::hasMKL() && name == "none found") name = "Intel MKL (linked statically)";
}

}  // namespace

MLR_API const char* mlr_system_torch_version() noexcept { return TORCH_VERSION; }

MLR_API int32_t mlr_system_built_with_cuda() noexcept {
#ifdef MLR_WITH_CUDA
  return 1;
#else
  return 0;
#endif
}

// libtorch's own build summary (compiler, BLAS, CUDA, flags). Valid until the next call on this thread.
MLR_API mlr_status mlr_system_config(const char** out) {
  return mlr::guard([&] {
    text_a = at::show_config();
    *out = text_a.c_str();
  });
}

// The BLAS library mapped into this process and its description.
MLR_API mlr_status mlr_system_blas(const char** name, const char** path) {
  return mlr::guard([&] {
    find_blas(text_a, text_b);
    *name = text_a.c_str();
    *path = text_b.c_str();
  });
}

// CPUs this process may run on (respects taskset/cgroup affinity, unlike hardware_concurrency).
MLR_API int32_t mlr_system_available_cores() noexcept {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  auto n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int32_t>(n);
}

// libtorch's pool and the BLAS's are set together. OpenBLAS built on OpenMP runs its matrix products on libtorch's own
// OpenMP pool, so it gets the same count. OpenBLAS's pthread build keeps a second pool that spins against libtorch's
// (on 2 cores an MLP step ran 3x slower, an LSTM step 4.5x), so it gets one thread. Measured on 2 cores (bench/run.sh,
// ms per step, mlp/cnn/lstm/gpt): OpenMP 2+2: 3.2/49/13/576; pthread 2+1: 5.6/54/15/968; pthread 1+2: 3.6/90/15/646.
MLR_API mlr_status mlr_system_set_num_threads(int32_t threads) {
  return mlr::guard([&] {
    if (threads < 1) throw mlr::ArgumentError("thread count must be at least 1, got " + std::to_string(threads));
    at::set_num_threads(threads);
    switch (blas_pool()) {
      case mlr_blas_pool_shared: openblas_set(threads); break;
      case mlr_blas_pool_own: openblas_set(1); break;
      default: break;  // MKL: at::set_num_threads already set it; no control otherwise
    }
  });
}

MLR_API mlr_status mlr_system_get_num_threads(int32_t* out) {
  return mlr::guard([&] { *out = at::get_num_threads(); });
}

// Where the BLAS runs its threads: an mlr_blas_pool value.
MLR_API mlr_status mlr_system_blas_pool(int32_t* out) {
  return mlr::guard([&] { *out = blas_pool(); });
}

// The BLAS library's thread count. -1 from get means the BLAS in use exposes no such control.
MLR_API mlr_status mlr_system_get_blas_threads(int32_t* out) {
  return mlr::guard([&] {
    using get_fn = int (*)();
    if (auto f = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")); f != nullptr) {
      *out = f();
      // On OpenMP, OpenBLAS takes OpenMP's count (libtorch's) at its next product unless it was held to 1.
      if (*out > 1 && blas_pool() == mlr_blas_pool_shared) *out = at::get_num_threads();
    } else if (auto m = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "mkl_get_max_threads")); m != nullptr) {
      *out = m();
    } else {
      *out = -1;
    }
  });
}

MLR_API mlr_status mlr_system_set_blas_threads(int32_t threads) {
  return mlr::guard([&] {
    if (threads < 1) throw mlr::ArgumentError("BLAS thread count must be at least 1, got " + std::to_string(threads));
    using set_fn = void (*)(int);
    if (auto f = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); f != nullptr) {
      // OpenBLAS's OpenMP build also sets OpenMP's thread count with it, which is libtorch's: keep libtorch's. (Above 1
      // it then follows libtorch's count at the next product; 1 keeps products on one thread.)
      auto intra = at::get_num_threads();
      f(threads);
      if (blas_pool() == mlr_blas_pool_shared) at::set_num_threads(intra);
    } else if (auto m = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "mkl_set_num_threads")); m != nullptr) {
      m(threads);
    } else {
      throw mlr::ArgumentError("the BLAS in use has no thread-count control (neither OpenBLAS nor MKL)");
    }
  });
}

MLR_API mlr_status mlr_system_cuda_device_count(int32_t* out) {
  return mlr::guard([&] { *out = at::hasCUDA() ? static_cast<int32_t>(at::detail::getCUDAHooks().getNumGPUs()) : 0; });
}

// Name, compute capability and memory of one CUDA device. Fails with a clear message on a CPU-only build.
MLR_API mlr_status mlr_system_cuda_device_info(int32_t index, const char** name, int32_t* major, int32_t* minor,
                                               int64_t* total_bytes, int64_t* free_bytes) {
  return mlr::guard([&] {
#ifdef MLR_WITH_CUDA
    auto count = at::cuda::device_count();
    if (index < 0 || index >= count) {
      throw mlr::ArgumentError("CUDA device " + std::to_string(index) + " does not exist (" + std::to_string(count) +
                               " devices)");
    }
    auto* prop = at::cuda::getDeviceProperties(index);
    text_a = prop->name;
    *name = text_a.c_str();
    *major = prop->major;
    *minor = prop->minor;
    *total_bytes = static_cast<int64_t>(prop->totalGlobalMem);
    c10::cuda::CUDAGuard device_guard(static_cast<c10::DeviceIndex>(index));
    size_t free_now = 0, total_now = 0;
    C10_CUDA_CHECK(cudaMemGetInfo(&free_now, &total_now));
    *free_bytes = static_cast<int64_t>(free_now);
#else
    (void)index; (void)name; (void)major; (void)minor; (void)total_bytes; (void)free_bytes;
    throw mlr::ArgumentError("this native library was built without CUDA");
#endif
  });
}

// The caching allocator's view of one device: bytes held by tensors, bytes reserved from the driver, and the peak.
MLR_API mlr_status mlr_system_cuda_memory(int32_t index, int64_t* allocated, int64_t* reserved, int64_t* peak) {
  return mlr::guard([&] {
#ifdef MLR_WITH_CUDA
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
    constexpr auto all = static_cast<size_t>(mlr_cuda_stats::StatType::AGGREGATE);
    *allocated = stats.allocated_bytes[all].current;
    *reserved = stats.reserved_bytes[all].current;
    *peak = stats.allocated_bytes[all].peak;
#else
    (void)index; (void)allocated; (void)reserved; (void)peak;
    throw mlr::ArgumentError("this native library was built without CUDA");
#endif
  });
}

// Returns cached, unused CUDA blocks to the driver. A no-op on CPU-only builds, as in PyTorch.
MLR_API mlr_status mlr_system_cuda_empty_cache() {
  return mlr::guard([&] {
#ifdef MLR_WITH_CUDA
    c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  });
}

MLR_API mlr_status mlr_system_cuda_synchronize(int32_t index) {
  return mlr::guard([&] {
    if (!at::hasCUDA()) return;
#ifdef MLR_WITH_CUDA
    c10::cuda::CUDAGuard device_guard(static_cast<c10::DeviceIndex>(index < 0 ? 0 : index));
    C10_CUDA_CHECK(cudaDeviceSynchronize());
#else
    (void)index;
#endif
  });
}

// flag: 0 cuDNN benchmark, 1 TF32 in cuBLAS matmul, 2 TF32 in cuDNN conv, 3 deterministic algorithms,
// 4 cuDNN enabled, 5 the shim's fused CPU LSTM (nn_lstm_cpu.cpp; off: at::lstm). Reading and writing go through
// the same table so the two can never disagree.
MLR_API mlr_status mlr_system_get_flag(int32_t flag, int32_t* out) {
  return mlr::guard([&] {
    auto& ctx = at::globalContext();
    switch (flag) {
      case 0: *out = ctx.benchmarkCuDNN(); break;
      case 1: *out = ctx.allowTF32CuBLAS(); break;
      case 2: *out = ctx.allowTF32CuDNN(); break;
      case 3: *out = ctx.deterministicAlgorithms(); break;
      case 4: *out = ctx.userEnabledCuDNN(); break;
      case 5: *out = mlr::fused_cpu_lstm.load(); break;
      default: throw mlr::ArgumentError("unknown backend flag " + std::to_string(flag));
    }
  });
}

MLR_API mlr_status mlr_system_set_flag(int32_t flag, int32_t value) {
  return mlr::guard([&] {
    auto& ctx = at::globalContext();
    bool on = value != 0;
    switch (flag) {
      case 0: ctx.setBenchmarkCuDNN(on); break;
      case 1: ctx.setAllowTF32CuBLAS(on); break;
      case 2: ctx.setAllowTF32CuDNN(on); break;
      case 3: ctx.setDeterministicAlgorithms(on, /*warn_only=*/false); break;
      case 4: ctx.setUserEnabledCuDNN(on); break;
      case 5: mlr::fused_cpu_lstm.store(on); break;
      default: throw mlr::ArgumentError("unknown backend flag " + std::to_string(flag));
    }
  });
}
