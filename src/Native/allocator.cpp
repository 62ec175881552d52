// A caching allocator for CPU tensors, like PyTorch's CUDA one. PyTorch eager on CPU allocates every activation with
// malloc; glibc hands large blocks back to the kernel when they are freed, so each training step page-faults its
// activations in again (about 10,000 faults, 40 MB, per step of a small CNN at batch 128). Keeping freed blocks for
// the next step of the same shapes removed that cost: 17-27% of that step's time on this project's 2-core machine.
//
// Only blocks of at least 256 KiB are cached (malloc's bins serve small ones well), sizes rounded up to 64 KiB so
// nearby shapes share blocks. Cached (free) bytes are capped; beyond the cap blocks go back to the system at once.
// Torch.EmptyCache() returns everything cached.
//
// Data pointers are "simple" (context == data) and a raw deleter is provided, because oneDNN's convolutions take
// scratch memory through Allocator::raw_allocate/raw_deallocate, which require both; block sizes are therefore
// looked up by address.
#include "mlr.h"

#include <c10/core/CPUAllocator.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kMinCached = 256 * 1024;
constexpr size_t kRound = 64 * 1024;
constexpr size_t kAlignment = 64;  // c10's own CPU alignment, which vectorised kernels assume

#if MLR_TORCH_AT_LEAST(2, 3)
#define MLR_ALLOCATE_CONST
#else
#define MLR_ALLOCATE_CONST const
#endif

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) MLR_ALLOCATE_CONST override {
    if (n < kMinCached) return fallback_->allocate(n);
    auto* self = const_cast<CachingCpuAllocator*>(this);
    size_t size = (n + kRound - 1) / kRound * kRound;
    void* ptr = self->take(size);
    if (ptr == nullptr) ptr = self->fresh(size);
    return {ptr, ptr, &CachingCpuAllocator::raw_free, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &CachingCpuAllocator::raw_free; }

#if MLR_TORCH_AT_LEAST(2, 3)
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#endif

  void install() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fallback_ == nullptr) fallback_ = c10::GetCPUAllocator();
    if (installed_) return;
    c10::SetCPUAllocator(this, /*priority=*/1);
    installed_ = true;
  }

  void uninstall() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!installed_) return;
      c10::SetCPUAllocator(fallback_, /*priority=*/1);
      installed_ = false;
    }
    empty();
  }

  void set_limit(int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes < 0 ? 0 : static_cast<size_t>(bytes);
  }

  // Frees every cached block. Blocks in use are untouched.
  int64_t empty() {
    std::unordered_map<size_t, std::vector<void*>> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(free_);
      cached_ = 0;
    }
    int64_t freed = 0;
    for (auto& [size, list] : blocks) {
      for (void* p : list) std::free(p);
      freed += static_cast<int64_t>(size * list.size());
    }
    return freed;
  }

  void stats(int64_t* in_use, int64_t* cached, int64_t* peak, int64_t* hits, int64_t* misses, int32_t* enabled) {
    std::lock_guard<std::mutex> lock(mutex_);
    *in_use = static_cast<int64_t>(in_use_);
    *cached = static_cast<int64_t>(cached_);
    *peak = static_cast<int64_t>(peak_);
    *hits = hits_;
    *misses = misses_;
    *enabled = installed_ ? 1 : 0;
  }

 private:
  // Frees any pointer this allocator handed out: a cached-size block goes back to the cache, anything else (a small
  // block from the fallback allocator, reached through raw_deallocate) to the fallback's own deleter.
  static void raw_free(void* ptr);

  void* take(size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(size);
    if (it == free_.end() || it->second.empty()) {
      ++misses_;
      return nullptr;
    }
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= size;
    ++hits_;
    note_in_use(p, size);
    return p;
  }

  void* fresh(size_t size) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, size) != 0 || p == nullptr) {
      // The cache may be holding what the system lacks: give it back and try once more.
      empty();
      p = nullptr;
      if (posix_memalign(&p, kAlignment, size) != 0 || p == nullptr) {
        TORCH_CHECK_WITH(OutOfMemoryError, false, "CPU out of memory: tried to allocate ", size, " bytes");
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    note_in_use(p, size);
    return p;
  }

  void note_in_use(void* p, size_t size) {
    live_[p] = size;
    in_use_ += size;
    if (in_use_ > peak_) peak_ = in_use_;
  }

 public:
  // Returns true if p was one of this allocator's cached-size blocks (and is now cached or freed).
  bool give_back(void* p) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = live_.find(p);
      if (it == live_.end()) return false;
      size_t size = it->second;
      live_.erase(it);
      in_use_ -= size;
      if (installed_ && cached_ + size <= limit_) {
        free_[size].push_back(p);
        cached_ += size;
        return true;
      }
    }
    std::free(p);
    return true;
  }

  c10::Allocator* fallback() const { return fallback_; }

 private:

  std::mutex mutex_;
  c10::Allocator* fallback_ = nullptr;
  bool installed_ = false;
  std::unordered_map<size_t, std::vector<void*>> free_;
  std::unordered_map<void*, size_t> live_;
  size_t limit_ = size_t{2} << 30;
  size_t cached_ = 0;
  size_t in_use_ = 0;
  size_t peak_ = 0;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
};

// Never destroyed: tensors freed during process exit still return their blocks to it.
CachingCpuAllocator& instance() {
  static auto* allocator = new CachingCpuAllocator();
  return *allocator;
}

void CachingCpuAllocator::raw_free(void* ptr) {
  if (ptr == nullptr) return;
  auto& self = instance();
  if (self.give_back(ptr)) return;
  auto deleter = self.fallback() != nullptr ? self.fallback()->raw_deleter() : nullptr;
  if (deleter != nullptr) deleter(ptr); else std::free(ptr);
}

}  // namespace

// Turns caching on or off for CPU tensors allocated from now on. limit_bytes caps the bytes kept cached (< 0 keeps
// the current cap; the default is 2 GiB).
MLR_API mlr_status mlr_allocator_set_cpu_caching(int32_t enabled, int64_t limit_bytes) {
  return mlr::guard([&] {
    auto& a = instance();
    if (limit_bytes >= 0) a.set_limit(limit_bytes);
    if (enabled != 0) a.install(); else a.uninstall();
  });
}

// Bytes of cached blocks in tensors now, bytes cached for reuse, the peak of the first, reuse hits and misses.
MLR_API mlr_status mlr_allocator_cpu_stats(int64_t* in_use, int64_t* cached, int64_t* peak, int64_t* hits,
                                           int64_t* misses, int32_t* enabled) {
  return mlr::guard([&] { instance().stats(in_use, cached, peak, hits, misses, enabled); });
}

// Returns every cached block to the system; *freed receives the bytes.
MLR_API mlr_status mlr_allocator_cpu_empty_cache(int64_t* freed) {
  return mlr::guard([&] { *freed = instance().empty(); });
}
