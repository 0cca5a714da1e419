// The user-side cost the proposal removes, measured in one run on the running kernel:
//   syscall   bpf_map_lookup_elem() on task storage by pidfd (what schedulers do today)
//   mapped    reading the same 8 bytes from a mapped BPF arena page (what the proposal offers)
//   bpf get   bpf_task_storage_get() from a program, cache hit (timed in the program)
// Each is the median of several rounds; the ratio is printed. Needs root and BPF.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "model/real/real_kernel.hpp"

int main() {
  const std::string why = lsmc::real::unavailable_reason();
  if (!why.empty()) {
    std::printf("skipped: %s\n", why.c_str());
    return 2;
  }
  std::vector<double> sys, mapped, bpf;
  for (int round = 0; round < 7; ++round) {
    const lsmc::real::Costs c = lsmc::real::measure_costs(20000, [] {
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
    });
    sys.push_back(c.syscall_lookup_ns);
    mapped.push_back(c.mapped_read_ns);
    bpf.push_back(c.bpf_get_ns);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double s = median(sys), m = median(mapped), b = median(bpf);
  std::printf("median of 7 rounds (ns per access)\n");
  std::printf("  syscall lookup by pidfd      %8.1f\n", s);
  std::printf("  read from a mapped page      %8.2f\n", m);
  std::printf("  bpf_task_storage_get (hit)   %8.1f\n", b);
  if (m > 0) std::printf("syscall / mapped read = %.0fx\n", s / m);
  if (b > 0) std::printf("syscall / bpf get      = %.0fx\n", s / b);
  return 0;
}
