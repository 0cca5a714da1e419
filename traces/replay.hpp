// Replay: re-run a trace's decisions on today's code and compare, event by event. Where the code
// now behaves differently it stops at that step and shows both events.
#pragma once

#include <string>

#include "sim/runner.hpp"
#include "sim/scenario.hpp"
#include "traces/trace.hpp"

namespace lsmc::traces {

enum class ReplayStatus : uint8_t {
  kReproduced,        // same events, same verdict
  kDiverged,          // the code no longer follows the trace (message says where)
};

struct ReplayResult {
  ReplayStatus status = ReplayStatus::kReproduced;
  std::string message;
  sim::ExecutionRecord record;  // what the replay did
};

// Throws TraceError when the trace names an unknown scenario, parameter or config value.
ReplayResult replay(const Trace& trace, const sim::Catalog& catalog,
                    const sim::ObserverFactory& observers);

// The request a trace describes (scenario, parameters, config), validated against `catalog`.
sim::RunRequest request_for(const Trace& trace, const sim::Catalog& catalog,
                            const sim::ObserverFactory& observers);

}  // namespace lsmc::traces
