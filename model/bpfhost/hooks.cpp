// The instrumentation ABI of clang -fsanitize=thread (compiler-rt's tsan_interface.h names and
// signatures), implemented by lsmc instead of by libtsan: the host build of BPF C calls these
// for each of its loads and stores (plain and volatile), its atomics and its memcpy/memset, and
// each becomes a scheduling point through the running Host. An atomic's operation is done here,
// after its scheduling point. Outside an execution (no Host) the operations simply happen.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "model/bpfhost/abi.hpp"
#include "model/bpfhost/host.hpp"

namespace lsmc::model::bpfhost {

void hooks_anchor() {}

namespace {

inline void hook(const volatile void* addr, std::size_t size, Kind kind, void* pc) {
  if (Host* h = Host::current()) {
    h->access(reinterpret_cast<uintptr_t>(addr), size, kind, reinterpret_cast<uintptr_t>(pc));
  }
}

}  // namespace

}  // namespace lsmc::model::bpfhost

using lsmc::model::bpfhost::hook;
using lsmc::model::bpfhost::Kind;

#define LSMC_RA __builtin_return_address(0)

extern "C" {

void __tsan_init() {}
void __tsan_func_entry(void*) {}
void __tsan_func_exit() {}

#define LSMC_PLAIN(n)                                                                        \
  void __tsan_read##n(void* a) { hook(a, n, Kind::kPlainRead, LSMC_RA); }                    \
  void __tsan_write##n(void* a) { hook(a, n, Kind::kPlainWrite, LSMC_RA); }                  \
  void __tsan_unaligned_read##n(void* a) { hook(a, n, Kind::kPlainRead, LSMC_RA); }          \
  void __tsan_unaligned_write##n(void* a) { hook(a, n, Kind::kPlainWrite, LSMC_RA); }        \
  void __tsan_volatile_read##n(void* a) { hook(a, n, Kind::kMarkedRead, LSMC_RA); }          \
  void __tsan_volatile_write##n(void* a) { hook(a, n, Kind::kMarkedWrite, LSMC_RA); }        \
  void __tsan_unaligned_volatile_read##n(void* a) { hook(a, n, Kind::kMarkedRead, LSMC_RA); } \
  void __tsan_unaligned_volatile_write##n(void* a) { hook(a, n, Kind::kMarkedWrite, LSMC_RA); }
LSMC_PLAIN(1)
LSMC_PLAIN(2)
LSMC_PLAIN(4)
LSMC_PLAIN(8)
LSMC_PLAIN(16)
#undef LSMC_PLAIN

void __tsan_read_range(void* a, unsigned long size) { hook(a, size, Kind::kPlainRead, LSMC_RA); }
void __tsan_write_range(void* a, unsigned long size) { hook(a, size, Kind::kPlainWrite, LSMC_RA); }

// memcpy and memset: one scheduling point per word (a copy is that many loads and stores).
static void each_word(const void* a, std::size_t n, Kind kind, void* pc) {
  const auto p = reinterpret_cast<uintptr_t>(a);
  for (std::size_t off = 0; off < n; off += 8) hook(reinterpret_cast<const void*>(p + off), n - off < 8 ? n - off : 8, kind, pc);
}
void* __tsan_memcpy(void* dst, const void* src, unsigned long n) {
  each_word(src, n, Kind::kPlainRead, LSMC_RA);
  each_word(dst, n, Kind::kPlainWrite, LSMC_RA);
  return std::memcpy(dst, src, n);
}
void* __tsan_memmove(void* dst, const void* src, unsigned long n) {
  each_word(src, n, Kind::kPlainRead, LSMC_RA);
  each_word(dst, n, Kind::kPlainWrite, LSMC_RA);
  return std::memmove(dst, src, n);
}
void* __tsan_memset(void* dst, int c, unsigned long n) {
  each_word(dst, n, Kind::kPlainWrite, LSMC_RA);
  return std::memset(dst, c, n);
}

void __tsan_atomic_thread_fence(int) {}
void __tsan_atomic_signal_fence(int) {}

// Atomics. The memory order argument is ignored: lsmc's executions are sequentially consistent.
#define LSMC_ATOMIC(bits, T)                                                                          \
  T __tsan_atomic##bits##_load(const volatile T* a, int) {                                            \
    hook(a, sizeof(T), Kind::kMarkedRead, LSMC_RA);                                                   \
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                   \
  void __tsan_atomic##bits##_store(volatile T* a, T v, int) {                                         \
    hook(a, sizeof(T), Kind::kMarkedWrite, LSMC_RA);                                                  \
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                         \
  }                                                                                                   \
  T __tsan_atomic##bits##_exchange(volatile T* a, T v, int) {                                         \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                               \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_add(volatile T* a, T v, int) {                                        \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_sub(volatile T* a, T v, int) {                                        \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_and(volatile T* a, T v, int) {                                        \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_or(volatile T* a, T v, int) {                                         \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                 \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_xor(volatile T* a, T v, int) {                                        \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                \
  }                                                                                                   \
  T __tsan_atomic##bits##_fetch_nand(volatile T* a, T v, int) {                                       \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                               \
  }                                                                                                   \
  int __tsan_atomic##bits##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {             \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);           \
  }                                                                                                   \
  int __tsan_atomic##bits##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {               \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);           \
  }                                                                                                   \
  T __tsan_atomic##bits##_compare_exchange_val(volatile T* a, T c, T v, int, int) {                   \
    hook(a, sizeof(T), Kind::kRmw, LSMC_RA);                                                          \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                 \
    return c;                                                                                         \
  }
LSMC_ATOMIC(8, uint8_t)
LSMC_ATOMIC(16, uint16_t)
LSMC_ATOMIC(32, uint32_t)
LSMC_ATOMIC(64, uint64_t)
#undef LSMC_ATOMIC

}  // extern "C"
