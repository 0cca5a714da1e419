// The design report's sections, each appending its Markdown to one context, and the figures a
// later section quotes from an earlier one (the recommendation cites the tables it rests on).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/mappable/mappable.hpp"
#include "report/costs.hpp"
#include "report/design_report.hpp"
#include "report/sequences.hpp"
#include "sim/runner.hpp"

namespace lsmc::report {

// A placement and return policy of section 2.
struct Policy {
  std::string name;
  model::mappable::Placement placement;
  uint32_t spare;
};
struct PolicyResult {
  double average = 0;
  uint64_t zaps = 0;
};
// The recommended policy first, then first fit, then one and four spare pages.
const std::vector<Policy>& placement_policies();

struct ReportContext {
  // The report goes to options.out; its traces and plot next to it.
  ReportContext(const sim::Catalog& catalog, const DesignReportOptions& options);

  const sim::Catalog& catalog;
  const DesignReportOptions& options;
  std::filesystem::path dir;         // where the report goes
  std::filesystem::path traces_dir;  // dir/design-traces
  std::ostringstream md;

  // Section 1.
  std::vector<const sim::Scenario*> scenarios;  // the proposal scenarios (mls-*)
  std::map<std::pair<std::string, std::string>, std::string> cells;  // (variant, scenario) -> violated property, "" holds
  uint64_t recommended_hold = 0, cgroup_hold = 0, sk_hold = 0, inode_hold = 0, found = 0, mutants = 0;
  uint64_t dpor_runs = 0, dpor_complete = 0;  // DPOR runs of the recommended configuration, and those exhausted
  // Section 2.
  std::vector<NamedSequence> seqs;
  const NamedSequence* big = nullptr;  // the largest recorded sequence
  std::map<std::string, PolicyResult> policy_results;  // "sequence|policy"
  uint64_t static_large = 0;  // pages of the static array at pid_max 4194304
  struct Scale {                 // the last sequence (the make -j at scale): peaks
    uint64_t live = 0, returned = 0, kept = 0;
  } scale;
  // Section 3.
  std::map<std::string, UserCost> costs;  // by variant key
  std::map<int, BpfCost> bpf;             // by layout (-1: today's task storage)
  std::map<std::string, std::string> verdicts;  // extra runs: command -> property ("" holds)
  // Claims of a violation that the run did not find at options.executions (a small budget): the
  // report marks each and says its evidence is thin instead of stopping.
  mutable std::vector<std::string> unconfirmed;

  // The property a variant violates in a scenario ("" when it holds), as the matrix found it.
  // Throws std::logic_error for a cell the matrix has not run.
  const std::string& cell(const std::string& variant, const std::string& scenario) const;
  // A claim of the text about a cell: `property` ("" for holds) must be what the matrix found,
  // or the report is not written (ReportContradiction naming it). A violation the run did not
  // find is the budget's, not a contradiction (a search that finds nothing proves nothing): it
  // goes to `unconfirmed` and the text says so. Returns the property in backquotes, for the text
  // ("every property" for holds).
  std::string claim(const std::string& variant, const std::string& scenario, const std::string& property) const;

  // A run the text cites beyond the matrix: `scenario` with `params` (and `mutant`, if any) under
  // the default exploration (options.executions). Returns the property violated, "" when everything holds; cached.
  const std::string& verdict(const std::string& scenario, const std::map<std::string, int64_t>& params,
                             const std::string& mutant = "");
  // The same as a claim: the run must find `property` (or, for a violation, at least find no
  // other), or the report is not written. Returns the command that repeats it, in backquotes.
  std::string claim_run(const std::string& scenario, const std::map<std::string, int64_t>& params,
                        const std::string& property, const std::string& mutant = "");

  // Minimises a failure, writes its trace and timeline under traces_dir, returns the links.
  std::string save_trace(const std::string& stem, const sim::RunRequest& req, const sim::RunReport& r) const;
};

// Section 1: the property matrix of every variant on every proposal scenario, its findings,
// the recommended configuration under DPOR, and the design mistakes (mutants).
void write_property_matrix(ReportContext& c);
void write_dpor_table(ReportContext& c);
void write_mutant_table(ReportContext& c);
// Section 2: resident memory under churn, the plot, entry size, placement and return policy.
void write_churn_table(ReportContext& c);
void write_entry_size_table(ReportContext& c);
void write_policy_table(ReportContext& c);
// Section 3: user-space and BPF-side costs.
void write_user_costs(ReportContext& c);
void write_bpf_costs(ReportContext& c);
// Sections 4 and 5.
void write_recommendation(ReportContext& c);
void write_risks(ReportContext& c);
// Section 6: each question upstream asked, answered with a run.
void write_questions(ReportContext& c);

// Numbers as the report prints them.
std::string fixed2(double v);
std::string per(uint64_t a, uint64_t b);  // a / b, two decimals (0 when b is 0)

}  // namespace lsmc::report
