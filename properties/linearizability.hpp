// Linearizability of concurrent local-storage histories (Wing & Gong 1993, with memoisation as in
// Lowe's and Porcupine's variants), partitioned per (owner, map): each partition is one register,
// absent or a value, and the operations must have an order that respects real time (an operation
// that returned before another was called comes first) and the sequential spec.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lsmc::properties {

struct HistoryOp {
  enum class Kind : uint8_t { kLookup, kUpdate, kDelete, kGet, kGetCreate };
  int partition = 0;    // one register per (owner, map)
  Kind kind = Kind::kLookup;
  uint64_t flags = 0;   // update: BPF_ANY / NOEXIST / EXIST
  int64_t arg = 0;      // update: the value written
  // What it returned: an errno (syscalls), or found + value (program get).
  int err = 0;
  bool found = false;
  int64_t value = 0;
  uint64_t call = 0, ret = 0;  // logical times; call < ret
  std::string who;
};

struct LinearizabilityResult {
  bool ok = true;
  std::string explanation;  // for a violation: the partition and its operations
};

// The spec also admits the outcomes the kernel documents as possible under concurrency without
// an effect: EAGAIN from an update, NULL from a get with F_CREATE.
LinearizabilityResult check_linearizable(const std::vector<HistoryOp>& history);

std::string to_string(const HistoryOp& op);

}  // namespace lsmc::properties
