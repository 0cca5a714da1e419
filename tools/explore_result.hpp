// What lsmc explore found for one scenario, and how it is printed (tools/explore_print.cpp): the
// text report and the --json object, with the replay, reproduce and resume commands.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/runner.hpp"
#include "tools/explore.hpp"
#include "traces/minimize.hpp"

namespace lsmc::cli {

// One explored scenario: the request, what the run found, and the files written for it. A file
// that could not be written leaves its error, and the finding is reported all the same.
struct Explored {
  sim::RunRequest req;
  sim::RunReport report;
  std::string trace_path;
  std::string trace_error;
  std::optional<traces::MinimizeResult> minimized;
  std::string min_path;
  std::string min_error;
  std::vector<std::string> not_run;  // --mutant's scenarios after this one, when a signal stopped it
  // An interrupted tree search: where its checkpoint was written, or why it could not be.
  std::string checkpoint_path;
  std::string checkpoint_error;
  // The reproduce command's --trace-out: the trace's path, or none (the default name) when it
  // could not be written there.
  std::string reproduce_trace() const { return trace_error.empty() ? trace_path : std::string(); }
};

// --seconds without --executions: time alone ends the run.
bool no_execution_limit(const sim::Config& config);

// A signal stopped the run before it found anything.
bool stopped_by_signal(const Explored& x);

// explore's text report: counts, PCT's guarantee, probes, then the verdict and its commands.
int print_explore_text(Context& c, const ExploreOptions& o, const Explored& x);
// explore --json: one object.
int print_explore_json(Context& c, const ExploreOptions& o, const Explored& x);

}  // namespace lsmc::cli
