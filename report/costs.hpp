// What a lookup costs, measured in the model: shared-memory accesses of one BPF lookup, and
// syscalls and loads of user lookups while other tasks come and go.
#pragma once

#include <cstdint>
#include <string>

#include "report/variants.hpp"

namespace lsmc::report {

// Accesses of one BPF lookup of an existing entry from a struct_ops program, from its
// rcu_read_lock to its rcu_read_unlock; the first lookup and a later one (steady state).
struct BpfCost {
  uint64_t first = 0, steady = 0;
  bool first_fills_cache = false, steady_fills_cache = false;
};

// layout < 0: today's task storage (the 6.18 model), else a layout of the mappable model.
BpfCost bpf_lookup_cost(int layout);

// What user space pays per lookup of one stable task while other tasks come and go: a daemon
// looks the task up four times while another CPU creates and frees three entries and a balancer
// scans every entry twice. Summed over the executions of a default exploration.
struct UserCost {
  uint64_t executions = 0, lookups = 0, syscalls = 0, loads = 0, scans = 0, retries = 0;
  std::string verdict = "pass";  // the property a run violated, if any
};

UserCost user_lookup_cost(const Variant& v, uint64_t executions);

}  // namespace lsmc::report
