// Minimisation of a failing trace (issue 6): first the scenario (smaller parameters: fewer
// actors, operations, tasks), by exploring each smaller scenario with the default strategy; then
// the schedule, by delta debugging (Zeller's ddmin) over the trace's decisions: a dropped
// decision becomes the least disruptive choice (stay on the current actor, draw 0). A candidate
// is kept while the same property fails on an object of the same type. The result is a strict,
// replayable trace of the execution the smallest candidate produced.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "sim/scenario.hpp"
#include "traces/trace.hpp"

namespace lsmc::traces {

struct TraceSize {
  std::map<std::string, int64_t> params;
  uint64_t actors = 0;     // actors that performed at least one event
  uint64_t decisions = 0;  // recorded decisions (schedule and draw)
  uint64_t choices = 0;    // decisions other than the default: a switch away from the running
                           // actor, or a draw other than 0
  uint64_t switches = 0;   // changes of the running actor between consecutive events
  uint64_t steps = 0;
  uint64_t events = 0;
};
TraceSize size_of(const Trace& trace);
std::string describe(const TraceSize& before, const TraceSize& after);

struct MinimizeOptions {
  bool scenario = true;                    // try smaller parameters too
  uint64_t search_executions = 2000;       // explorer budget per smaller scenario
  // Set (by a signal handler) to stop early: the result is the smallest trace found so far, still
  // failing as the original does and replayable (may be null).
  const std::atomic<bool>* interrupted = nullptr;
};

struct MinimizeResult {
  Trace minimized;
  TraceSize before, after;
  uint64_t runs = 0;  // executions the minimisation ran
  bool interrupted = false;  // stopped early: minimising `minimized` again may shrink it further
};

// Throws TraceError when the trace names something unknown or no longer fails as recorded.
MinimizeResult minimize(const Trace& trace, const sim::Catalog& catalog,
                        const sim::ObserverFactory& observers, const MinimizeOptions& options = {});

}  // namespace lsmc::traces
