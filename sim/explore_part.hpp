// One part of a run (sim/runner.cpp's workers, sim/resplit.cpp's parts): executions over an index
// range with one strategy, until the range ends, an execution fails, the budget is used up, a
// signal, or another part's lower-index failure.
#pragma once

#include <atomic>
#include <cstdint>

#include "sim/runner.hpp"

namespace lsmc::sim {

// The execution indices a worker runs: every `stride`-th index from `start`, below `end`.
struct IndexRange {
  uint64_t start;
  uint64_t stride;
  uint64_t end;
};

// Executions and steps of every worker, for the progress line.
struct Totals {
  std::atomic<uint64_t> executions{0};
  std::atomic<uint64_t> steps{0};
};

// Runs executions in `range` until the range ends, an execution fails, the time budget is used
// up, another worker has found a failure at a lower index (`best`, may be null), or the part has
// run `resplit_after` executions of its own (stop reason "resplit": it is cut into parts instead). `from`: the
// part's place when an earlier run stopped (may be null); `save_to`: where this run leaves its
// place when it stops without a failure (tree searches). `seconds_before`: the run's time before
// this part started, counted against the time budget.
RunReport explore_range(const RunRequest& request, IndexRange range, Split split, std::atomic<uint64_t>* best,
                        bool report_progress, Totals& totals, const PartCheckpoint* from, PartCheckpoint* save_to,
                        uint64_t resplit_after = UINT64_MAX, double seconds_before = 0);

// Sums a part's metrics into the run's.
void add_metrics(Metrics& into, const Metrics& m);

}  // namespace lsmc::sim
