// Trace file, format version 1: text, line oriented, diffable.
//
//   lsmc-trace 1                      magic and format version (first line)
//   lsmc-version 0.1.0
//   scenario lost-update
//   param actors 2                    every scenario parameter, defaults included
//   config steps_max 100000           every Config field (strategy, mutant and seed among them)
//   execution 17                      the execution index within the run
//   actors 3, then: actor 0 cpu=0 kind=task init
//   decisions 5, then: decision schedule step=3 value=1 bound=2
//                      decision draw step=7 value=0 bound=2
//   events 40, then:   event step=4 actor=1 op=read object=1 field=0 at=counter#1.value label=...
//   verdict violation | pass | limit | divergence
//   property assertion
//   message counter is 1, expected 2: an increment was lost
//   verdict-step 12
//   verdict-actor 1                   "-" for none
//   end
//
// Lines starting with '#' are comments. Anything else out of place is an error naming the line.
//
// Compatibility: a reader of version N refuses any other version with a message that names both.
// Within version 1, Config fields added later may be missing from older traces (they take their
// defaults, and the trace replays: tests/test_traces.cpp); an unknown field is refused, since it
// means a newer lsmc wrote the trace. A change that alters the meaning of an existing line
// raises the version. Error messages quote the input with control bytes escaped.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/config.hpp"
#include "sim/runner.hpp"

namespace lsmc::traces {

inline constexpr int kTraceFormatVersion = 1;
std::string_view lsmc_version();

struct Trace {
  int format_version = kTraceFormatVersion;
  std::string lsmc_version;
  std::string scenario;
  std::map<std::string, int64_t> params;
  sim::Config config;
  sim::ExecutionRecord record;
};

class TraceError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string write_trace(const Trace& trace);
// `source` names the input in error messages ("bug.trace"). Throws TraceError.
Trace parse_trace(std::string_view text, std::string_view source);
Trace read_trace_file(const std::string& path);  // TraceError also for unreadable files
void write_trace_file(const std::string& path, const Trace& trace);  // throws std::runtime_error

// Builds a trace from a run's failing execution.
Trace make_trace(const sim::Scenario& scenario, const sim::Params& params,
                 const sim::Config& config, const sim::ExecutionRecord& record);

}  // namespace lsmc::traces
