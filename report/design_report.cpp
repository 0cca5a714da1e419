#include "report/design_report.hpp"

#include <fstream>
#include <algorithm>
#include <iomanip>
#include <stdexcept>

#include "properties/lifetime.hpp"
#include "report/sections.hpp"
#include "report/sequences.hpp"
#include "traces/minimize.hpp"
#include "traces/render.hpp"
#include "traces/trace.hpp"

namespace lsmc::report {

ReportContext::ReportContext(const sim::Catalog& cat, const DesignReportOptions& o) : catalog(cat), options(o) {
  const std::filesystem::path out(o.out);
  dir = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  traces_dir = dir / "design-traces";
}

std::string ReportContext::save_trace(const std::string& stem, const sim::RunRequest& req, const sim::RunReport& r) const {
  const traces::Trace t = traces::make_trace(*req.scenario, req.params, req.config, *r.failure);
  const traces::MinimizeResult min = traces::minimize(t, catalog, properties::default_observers);
  traces::write_trace_file((traces_dir / (stem + ".trace")).string(), min.minimized);
  std::ofstream(traces_dir / (stem + ".txt")) << traces::render_text(min.minimized, {});
  return "[trace](design-traces/" + stem + ".trace), [timeline](design-traces/" + stem + ".txt) (" +
         std::to_string(min.after.steps) + " steps, " + std::to_string(min.after.switches) + " switches)";
}

const std::string& ReportContext::cell(const std::string& variant, const std::string& scenario) const {
  const auto it = cells.find({variant, scenario});
  if (it == cells.end()) throw std::logic_error("the report cites " + variant + " on " + scenario + ", which it did not run");
  return it->second;
}

namespace {

// The text's claim against what the run found: the claim for the text, a note in `unconfirmed`
// when the budget did not reach a violation, or ReportContradiction.
std::string check_claim(const ReportContext& c, const std::string& what, const std::string& property,
                        const std::string& found, const std::string& shown) {
  if (found == property) return shown;
  if (!property.empty() && found.empty()) {
    const std::string note = what + " violates `" + property + "`";
    if (std::find(c.unconfirmed.begin(), c.unconfirmed.end(), note) == c.unconfirmed.end()) c.unconfirmed.push_back(note);
    return shown + ", not confirmed at " + std::to_string(c.options.executions) + " executions";
  }
  throw ReportContradiction("the report's text says " + what + " " +
                            (property.empty() ? "holds" : "violates " + property) + ", but the run found " + found +
                            "; the report was not written");
}

}  // namespace

std::string ReportContext::claim(const std::string& variant, const std::string& scenario, const std::string& property) const {
  return check_claim(*this, variant + " on " + scenario, property, cell(variant, scenario),
                     property.empty() ? std::string("every property") : "`" + property + "`");
}

namespace {

std::string explore_command(const std::string& scenario, const std::map<std::string, int64_t>& params,
                            const std::string& mutant) {
  std::string cmd = "lsmc explore --scenario " + scenario + (mutant.empty() ? "" : " --mutant " + mutant);
  for (const auto& [name, value] : params) cmd += " --param " + name + "=" + std::to_string(value);
  return cmd;
}

}  // namespace

const std::string& ReportContext::verdict(const std::string& scenario, const std::map<std::string, int64_t>& params,
                                          const std::string& mutant) {
  const std::string cmd = explore_command(scenario, params, mutant);
  if (auto it = verdicts.find(cmd); it != verdicts.end()) return it->second;
  sim::RunRequest req;
  req.scenario = catalog.find(scenario);
  if (req.scenario == nullptr) throw std::logic_error("the report cites scenario " + scenario + ", which is not in the catalog");
  req.config.executions_max = options.executions;
  req.config.mutant = mutant;
  req.observers = properties::default_observers;
  if (auto err = sim::resolve_params(*req.scenario, params, req.params)) throw std::logic_error(*err);
  const sim::RunReport r = sim::run(req);
  return verdicts[cmd] = r.failure ? r.failure->verdict.property : "";
}

std::string ReportContext::claim_run(const std::string& scenario, const std::map<std::string, int64_t>& params,
                                     const std::string& property, const std::string& mutant) {
  const std::string cmd = "`" + explore_command(scenario, params, mutant) + "`";
  return check_claim(*this, cmd, property, verdict(scenario, params, mutant), cmd);
}

std::string fixed2(double v) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(2) << v;
  return o.str();
}

std::string per(uint64_t a, uint64_t b) { return fixed2(b == 0 ? 0.0 : double(a) / double(b)); }

namespace {

// Under the title, when the budget is below the one the text is written for: what that weakens,
// and every claim of a violation the runs did not reach.
void write_thin_evidence(const ReportContext& c, std::ostringstream& head) {
  const uint64_t n = c.options.executions;
  if (n >= kDefaultExecutions && c.unconfirmed.empty()) return;
  head << "> **Evidence is thin.** This report ran " << n << " executions per scenario and mutant";
  if (n < kDefaultExecutions) head << ", fewer than the " << kDefaultExecutions << " it is written for";
  head << ": a verdict \"holds\" below means nothing was found in " << n << " executions, and the costs are "
       << "measured on a tenth of that (at least one execution).";
  if (c.unconfirmed.empty()) {
    head << " Every violation the text claims was found.\n\n";
    return;
  }
  head << " " << c.unconfirmed.size() << " claims of a violation were not confirmed at this budget (marked "
       << "\"not confirmed\" in the text):\n";
  for (const std::string& u : c.unconfirmed) head << "> - " << u << "\n";
  head << "\n";
}

}  // namespace

void check_design_report_inputs(const DesignReportOptions& o) {
  for (const char* f : kRecordedSequences) {
    const std::filesystem::path p = std::filesystem::path(o.source_dir) / f;
    if (!std::filesystem::is_regular_file(p)) throw MissingReportInput("the report needs " + p.string());
  }
}

std::string write_design_report(const sim::Catalog& catalog, const DesignReportOptions& o) {
  check_design_report_inputs(o);
  ReportContext c(catalog, o);
  std::filesystem::create_directories(c.traces_dir);
  // The folder is the report's: traces of an earlier run that this one does not find again go.
  for (const auto& f : std::filesystem::directory_iterator(c.traces_dir)) {
    const std::string ext = f.path().extension().string();
    if (f.is_regular_file() && (ext == ".trace" || ext == ".txt")) std::filesystem::remove(f.path());
  }
  std::ostringstream head;
  head << "# Design exploration: user-mappable task local storage\n\n"
       << "Generated by `lsmc report --design -o " << o.out << "` (lsmc " << traces::lsmc_version()
       << "); do not edit by hand. The proposal is in `../shared/seed/`; the model in `model/mappable/`, its "
          "scenarios in `properties/scenarios/mappable/`. Every claim below comes from a run this command "
          "repeats.\n\n";
  using Section = void (*)(ReportContext&);
  static constexpr struct {
    const char* what;
    Section write;
  } kSections[] = {
      {"the property matrix (every variant on every scenario)", write_property_matrix},
      {"DPOR on the recommended configuration (sc and lkmm)", write_dpor_table},
      {"the design mistakes, each found and minimised", write_mutant_table},
      {"resident memory under churn (synthetic and recorded)", write_churn_table},
      {"resident memory by entry size", write_entry_size_table},
      {"placement and page-return policies", write_policy_table},
      {"user access costs", write_user_costs},
      {"BPF lookup costs", write_bpf_costs},
      {"the recommendation", write_recommendation},
      {"risks", write_risks},
      {"questions upstream asked (their runs)", write_questions},
  };
  const std::size_t n = std::size(kSections);
  for (std::size_t i = 0; i < n; ++i) {
    if (o.progress) o.progress("[" + std::to_string(i + 1) + "/" + std::to_string(n) + "] " + kSections[i].what);
    kSections[i].write(c);
  }
  write_thin_evidence(c, head);
  std::ofstream f(o.out);
  if (!(f << head.str() << c.md.str())) throw std::runtime_error("cannot write " + o.out);
  std::string thin;
  if (o.executions < kDefaultExecutions || !c.unconfirmed.empty()) {
    thin = "; evidence thin: " + std::to_string(o.executions) + " executions per run (the report is written for " +
           std::to_string(kDefaultExecutions) + "), " + std::to_string(c.unconfirmed.size()) + " claims not confirmed";
  }
  return "wrote " + o.out + ": the recommended configuration holds in " + std::to_string(c.recommended_hold) + "/" +
         std::to_string(c.scenarios.size()) + " scenarios, " + std::to_string(c.found) + "/" + std::to_string(c.mutants) +
         " design mistakes found, DPOR exhausts " + std::to_string(c.dpor_complete) + "/" +
         std::to_string(c.dpor_runs) + " runs (sc and lkmm) at their stated sizes" + thin;
}

}  // namespace lsmc::report
