// lsmc report --design: regenerates docs/design-exploration.md, the evidence a kernel developer
// would attach to an RFC of the proposal (issue 7): the property matrix of the proposal's
// variants and design mistakes (with minimised traces), resident memory against live entries
// under churn (synthetic and recorded on this machine), user access cost and BPF lookup cost,
// a plot, and the recommendation with its risks and open questions.
#pragma once

#include <cstdint>
#include <string>

#include "sim/scenario.hpp"

namespace lsmc::report {

struct DesignReportOptions {
  std::string out = "docs/design-exploration.md";  // the Markdown file; traces and the SVG go next to it
  std::string source_dir = ".";                     // where data/forkexit-*.txt are
  uint64_t executions = 20000;                      // per scenario and per mutant
};

// Writes the report and its artefacts; returns a one-line summary. Throws std::runtime_error on
// I/O errors.
std::string write_design_report(const sim::Catalog& catalog, const DesignReportOptions& options);

}  // namespace lsmc::report
