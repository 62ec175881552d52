// Error translation: the only place that knows which C++ exception types exist and what each becomes in .NET.
#include "mlr.h"

#include <c10/util/Exception.h>

#include <cstring>
#include <new>

namespace {

// Per-thread, so concurrent failures on different threads never see each other's message. Owned here and
// overwritten by the next failure on the same thread: nothing is handed to the caller to free, so nothing leaks.
thread_local std::string last_message;
thread_local std::string last_detail;

mlr_status store(mlr_status kind, const char* message, const char* detail) noexcept {
  try {
    last_message.assign(message != nullptr ? message : "");
    last_detail.assign(detail != nullptr ? detail : last_message.c_str());
  } catch (...) {
    // Out of memory while copying the message: report the kind with an empty message rather than failing.
    last_message.clear();
    last_detail.clear();
  }
  return kind;
}

bool mentions_out_of_memory(const char* message) {
  // CPU allocators report exhaustion as plain c10::Error in 1.13 ("can't allocate memory", "not enough memory").
  for (const char* phrase : {"not enough memory", "out of memory", "can't allocate memory"}) {
    if (std::strstr(message, phrase) != nullptr) return true;
  }
  return false;
}

}  // namespace

namespace mlr {

mlr_status translate_current_exception() noexcept {
  try {
    throw;
  } catch (const c10::OutOfMemoryError& e) {
    return store(MLR_ERR_OUT_OF_MEMORY, e.what_without_backtrace(), e.what());
  } catch (const c10::IndexError& e) {
    return store(MLR_ERR_INDEX, e.what_without_backtrace(), e.what());
  } catch (const c10::ValueError& e) {
    return store(MLR_ERR_VALUE, e.what_without_backtrace(), e.what());
  } catch (const c10::TypeError& e) {
    return store(MLR_ERR_TYPE, e.what_without_backtrace(), e.what());
  } catch (const c10::NotImplementedError& e) {
    return store(MLR_ERR_NOT_IMPLEMENTED, e.what_without_backtrace(), e.what());
  } catch (const c10::LinAlgError& e) {
    return store(MLR_ERR_LINALG, e.what_without_backtrace(), e.what());
  } catch (const c10::Error& e) {
    // libtorch 1.13's CPU allocator reports exhaustion as a plain c10::Error.
    const char* m = e.what_without_backtrace();
    return store(mentions_out_of_memory(m) ? MLR_ERR_OUT_OF_MEMORY : MLR_ERR_TORCH, m, e.what());
  } catch (const ArgumentError& e) {
    return store(MLR_ERR_ARGUMENT, e.what(), nullptr);
  } catch (const std::bad_alloc& e) {
    return store(MLR_ERR_OUT_OF_MEMORY, "out of host memory (std::bad_alloc)", e.what());
  } catch (const std::exception& e) {
    return store(MLR_ERR_STD, e.what(), nullptr);
  } catch (...) {
    return store(MLR_ERR_UNKNOWN, "a native exception of unknown type was thrown", nullptr);
  }
}

}  // namespace mlr

// The message of the last failed call on this thread, without libtorch's C++ backtrace. The pointer stays valid
// until the next failure on this thread; the caller copies it and never frees it.
MLR_API const char* mlr_errors_message() noexcept { return last_message.c_str(); }

// The same failure with libtorch's full text (source location and C++ backtrace), for logs.
MLR_API const char* mlr_errors_detail() noexcept { return last_detail.c_str(); }

// Test hook: throws each kind of exception the translator knows, so the managed mapping is tested end to end.
// kind: 1 c10::Error, 2 c10::OutOfMemoryError, 3 IndexError, 4 ValueError, 5 TypeError, 6 NotImplementedError,
// 7 LinAlgError, 8 shim argument error, 9 std::runtime_error, 10 a thrown int, 11 std::bad_alloc.
MLR_API mlr_status mlr_errors_throw_for_test(int32_t kind) {
  return mlr::guard([&] {
    switch (kind) {
      case 0: return;
      case 1: TORCH_CHECK(false, "test: c10::Error");
      case 2: TORCH_CHECK_WITH(OutOfMemoryError, false, "test: CUDA out of memory. Tried to allocate 2.00 GiB");
      case 3: TORCH_CHECK_INDEX(false, "test: index out of range");
      case 4: TORCH_CHECK_VALUE(false, "test: bad value");
      case 5: TORCH_CHECK_TYPE(false, "test: bad type");
      case 6: TORCH_CHECK_NOT_IMPLEMENTED(false, "test: not implemented");
      case 7: TORCH_CHECK_LINALG(false, "test: singular matrix");
      case 8: throw mlr::ArgumentError("test: argument refused by the shim");
      case 9: throw std::runtime_error("test: std::runtime_error");
      case 10: throw 42;
      case 11: throw std::bad_alloc();
      default: throw mlr::ArgumentError("unknown test error kind " + std::to_string(kind));
    }
  });
}
