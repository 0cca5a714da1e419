// lsmc report --design: regenerates docs/design-exploration.md, the evidence a kernel developer
// would attach to an RFC of the proposal (issue 7): the property matrix of the proposal's
// variants and design mistakes (with minimised traces), resident memory against live entries
// under churn (synthetic and recorded on this machine), user access cost and BPF lookup cost,
// a plot, and the recommendation with its risks and open questions.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "sim/scenario.hpp"

namespace lsmc::report {

// The budget the report's claims are written for.
inline constexpr uint64_t kDefaultExecutions = 20000;
// What DPOR may spend on one proposal scenario at its stated size, at that budget (the largest,
// mls-hostile-mapper, needs about 230000).
inline constexpr uint64_t kDporExecutions = 300000;

struct DesignReportOptions {
  std::string out = "docs/design-exploration.md";  // the Markdown file; traces and the SVG go next to it
  std::string source_dir = ".";                     // where data/forkexit-*.txt are
  uint64_t executions = kDefaultExecutions;         // per scenario and per mutant
  // Per DPOR run of the recommended configuration (section 1's table); 0: kDporExecutions at the
  // default budget, `executions` below it. Under lkmm an execution costs 10 to 30 times one under sc.
  uint64_t dpor_executions = 0;
  // Called before each section with "[K/N] what it runs" (the CLI prints it with the time so far
  // when stderr is a terminal): the whole report takes minutes.
  std::function<void(const std::string&)> progress;
};

// A run contradicts the report's text (it found a violation where the text says a design holds,
// or another property than the text names): the report is not written. Never a matter of budget:
// executions depend on their index only, so a smaller budget finds a prefix of what a larger does.
struct ReportContradiction : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The task churn recorded on this machine (tools/record-forkexit.sh) that the report replays,
// under options.source_dir. Throws MissingReportInput naming the first file that is not there.
struct MissingReportInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};
void check_design_report_inputs(const DesignReportOptions& options);

// Writes the report and its artefacts (checking its inputs first); returns a one-line summary. Throws std::runtime_error on
// I/O errors, ReportContradiction when a run contradicts the text.
std::string write_design_report(const sim::Catalog& catalog, const DesignReportOptions& options);

}  // namespace lsmc::report
