// lsmc explore: what the explore command and its --all campaign share.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/command.hpp"

namespace lsmc::cli {

struct ExploreOptions {
  std::string scenario;
  std::string mutant;
  std::string profile;  // empty: the first profile the scenario (and mutant) applies to
  std::string memory_model;  // empty: the mutant's (MutantInfo::memory_model), else sc
  std::string strategy = "portfolio";
  uint64_t seed = 1;
  uint64_t executions = 10000;
  uint64_t seconds = 0;
  uint64_t first = 0;
  std::string trace_out;
  std::string out_dir = kDefaultOutDir;  // --out: where a trace --trace-out does not name goes
  bool json = false;
  bool all = false;
  uint64_t all_from = 1;  // --all: the first entry of the campaign to run (1-based)
  uint64_t jobs = 1;
  std::string shard;
  uint64_t resplit_after = 0;  // dfs, dpor with --jobs: sim::RunRequest::resplit_after (0: the default)
  std::string split_depth;  // dfs, dpor: sim::RunRequest::split_depth and shard_below's depths (empty: the defaults)
  std::vector<std::string> sets;
  std::vector<std::string> params;
  bool minimize = false;
  std::string known = "stop";  // "count": known upstream findings are counted, not reported
  std::string resume;            // dfs, icb, dpor: the checkpoint to go on from (tools/checkpoint.hpp)
  std::string checkpoint;        // dfs, icb, dpor: go on from this file if it exists, and keep it up to date
  uint64_t interrupt_after = 0;  // for tests: stop as if interrupted after this many executions
};

// The run request `o` describes for one scenario: every option checked (a UsageError otherwise).
sim::RunRequest make_request(Context& c, const ExploreOptions& o, const std::string& scenario_name);

// Explores one scenario as `o` says, prints the result (text or JSON), writes a finding's trace.
// `after`: the scenarios a campaign would still run, printed as not run if a signal stops this one.
int explore_one(Context& c, const ExploreOptions& o, const std::string& scenario_name,
                std::vector<std::string> after = {});

// The default campaign (explore --all): every scenario, and every mutant on its scenarios.
int explore_all(Context& c, const ExploreOptions& o);

// A run stopped by a signal (or by --interrupt-after): its exit code (128 + the signal) and the
// signal's name, SIGINT when no signal came.
int interrupted_exit_code(const Context& c);
const char* interrupted_signal_name(const Context& c);

}  // namespace lsmc::cli
