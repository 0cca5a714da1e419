// Replays a fork/exit sequence through one design's allocator, in one execution of the model:
// a task's entry is made at fork as the design makes it (prep_enable, or the thread's own
// registration for uptr) and freed at exit, and a grace period completes between consecutive
// events (the optimistic timing for page returns).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/mappable/mappable.hpp"
#include "report/sequences.hpp"

namespace lsmc::report {

// A scheduler's per-task context (a few counters, a cpumask): 256 bytes, 16 to a 4 KiB page.
constexpr uint32_t kEntryBytes = 256;
constexpr uint32_t kPageBytes = 4096;

struct Sample {
  uint32_t live = 0;
  uint32_t resident = 0;
};

struct ReplayResult {
  std::vector<Sample> samples;  // after each event
  uint32_t peak_live = 0;
  uint32_t peak_resident = 0;
  uint32_t final_resident = 0;
  uint32_t final_live = 0;
  uint32_t failed_creates = 0;
  uint64_t page_allocs = 0, page_returns = 0;
  std::string verdict;  // "pass", or "property: message" of the checkers
};

// The region is sized for the sequence's peak; entries of `entry_bytes` share 4 KiB pages (uptr:
// one page per task, each block lying in its own process).
ReplayResult replay(const std::vector<ForkExit>& seq, model::mappable::Knobs knobs, uint32_t entry_bytes = kEntryBytes);
// The mean of the resident pages over the samples.
double average_resident(const ReplayResult& r);

}  // namespace lsmc::report
