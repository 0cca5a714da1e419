// Section 1 of the design report: properties of each design, under the default strategy and DPOR,
// and the design mistakes.
#include <iomanip>
#include <stdexcept>

#include "properties/lifetime.hpp"
#include "report/sections.hpp"
#include "report/variants.hpp"

namespace lsmc::report {

namespace {

// Probes worth a note in the property matrix: what a design could not do at all.
constexpr std::string_view kNotableProbes[] = {"mls: a program cannot create a thread's uptr memory",
                                               "mls: no free entry in atomic context"};

// A run of `sc` with the default exploration and the kernel checkers; `given` are the variant's
// parameters, of which the scenario takes those it has.
sim::RunRequest request(const ReportContext& c, const sim::Scenario* sc, const std::map<std::string, int64_t>& given) {
  sim::RunRequest req;
  req.scenario = sc;
  req.config.executions_max = c.options.executions;
  req.observers = properties::default_observers;
  std::map<std::string, int64_t> taken;
  for (const sim::ParamSpec& spec : sc->params()) {
    if (auto it = given.find(std::string(spec.name)); it != given.end()) taken.insert(*it);
  }
  if (auto err = sim::resolve_params(*sc, taken, req.params)) throw std::runtime_error(*err);
  return req;
}

void write_matrix_header(ReportContext& c) {
  c.md << "## 1. Properties of each design\n\n"
       << "Each scenario is explored with the default strategy (" << c.options.executions << " executions, seed 1) under "
          "each design. The properties (design §5): a handle never resolves to another owner's entry "
          "(`handle-aliasing`); no user access to a page that is absent or freed (`user-fault`); a published "
          "entry is initialised (`published-uninitialised`); once every grace period has passed, every resident "
          "page holds a live entry, but for the spare pages a design keeps on purpose (`resident-bound`, the same "
          "bound for every design: those that keep their pages violate it by design, and section 2 states what "
          "each promises instead); what BPF wrote is what user space reads (`user-read-mismatch`); a program's "
          "pointer never reaches another owner's entry (`bpf-pointer-reused`); user space can read a live "
          "task's entry at all (`user-unreachable`, the point of the proposal); nothing a hostile mapper stores "
          "keeps a freed slot from coming back once it is gone (`kernel-state-leak`, in `mls-hostile-mapper`, "
          "which also checks that its stores break no other process's accesses); and the lifetime, context and "
          "deadlock checkers of the kernel model. A violation is a result about the design, with its minimised "
          "trace.\n\n"
       << "| design |";
  for (const sim::Scenario* sc : c.scenarios) c.md << " `" << sc->name() << "` |";
  c.md << " notes (probe hits) |\n|---|";
  for (std::size_t i = 0; i <= c.scenarios.size(); ++i) c.md << "---|";
  c.md << "\n";
}

// One row of the matrix: the variant on every scenario; its violations go to `findings`.
void write_matrix_row(ReportContext& c, const Variant& v, std::ostringstream& findings) {
  c.md << "| " << v.title << " |";
  std::map<std::string, uint64_t> notes;
  for (const sim::Scenario* sc : c.scenarios) {
    const sim::RunRequest req = request(c, sc, v.params);
    const sim::RunReport r = sim::run(req);
    for (std::string_view probe : kNotableProbes) {
      if (auto it = r.probe_hits.find(probe); it != r.probe_hits.end()) notes[std::string(probe)] += it->second;
    }
    c.cells[{v.key, std::string(sc->name())}] = r.failure ? r.failure->verdict.property : "";
    if (!r.failure) {
      c.md << " holds |";
      if (v.key == "proposal") ++c.recommended_hold;
      if (v.key == "proposal-cgroup") ++c.cgroup_hold;
      if (v.key == "proposal-sk") ++c.sk_hold;
      if (v.key == "proposal-inode") ++c.inode_hold;
      continue;
    }
    const std::string stem = v.key + "--" + std::string(sc->name());
    c.md << " **`" << r.failure->verdict.property << "`** |";
    findings << "- **" << v.title << "**, `" << sc->name() << "`: " << r.failure->verdict.message << ". "
             << c.save_trace(stem, req, r) << "\n";
  }
  std::string note;
  for (const auto& [probe, n] : notes) note += (note.empty() ? "" : "; ") + probe.substr(5) + " (" + std::to_string(n) + "x)";
  c.md << " " << note << " |\n";
}

}  // namespace

void write_property_matrix(ReportContext& c) {
  for (const auto& sc : c.catalog.scenarios()) {
    // The model's proposal scenarios (mls-*), not the library's host-build ones (mls-lib-*).
    const std::string_view n = sc->name();
    if (n.starts_with("mls-") && !n.starts_with("mls-lib-")) c.scenarios.push_back(sc.get());
  }
  write_matrix_header(c);
  std::ostringstream findings;
  for (const Variant& v : variants()) write_matrix_row(c, v, findings);
  c.md << "\nNotes count probe hits summed over the row's scenarios and executions: `no free entry in atomic "
          "context` is a non-sleepable program's F_CREATE failing cleanly when no free entry is left (the outcome "
          "`mls-atomic-create` asks for, not a fault), and `a program cannot create a thread's uptr memory` is "
          "an F_CREATE that uptr cannot serve.\n"
       << "\nWhat each violation is (first found, at seed 1; replay with `lsmc replay`, draw with `lsmc render`):\n\n"
       << findings.str() << "\nRun one cell with `lsmc explore --scenario NAME --param layout=L --param page_return=R "
          "--param publication=P` (layout 0 the proposal, 1 the pid-indexed array, 2 arena + task storage with sdt's "
          "free before scx_urcu, 3 uptr as task-local data, 4 arena + task storage with scx_urcu, 5 uptr used by a "
          "daemon; "
          "page_return 0 keep, 1 zero page, 2 freed as the arena frees, 3 the same with BPF_F_SEGV_ON_FAULT; "
          "publication 0 generations, 1 seqcount, 2 notifications; "
          "--param owner=1 for cgroup storage, 2 for socket storage, 3 for inode storage).\n\n";
}

namespace {

// The size each proposal scenario is exhausted at under DPOR: every actor on a CPU of its own
// (own_cpus=1: DPOR orders every pair of steps that share a CPU, which multiplies the classes by
// the interleavings of whole actors), and where that is not enough, fewer rounds. The search at
// the scenarios' default sizes does not end within any budget the report can spend.
const std::map<std::string, std::map<std::string, int64_t>>& dpor_sizes() {
  static const std::map<std::string, std::map<std::string, int64_t>> kSizes = {
      // The balancer's scan reads every slot's generation while both CPUs publish and free: with it,
      // even one round each is beyond 10^6 classes. mls-publish checks that scan against a creation.
      {"mls-churn", {{"rounds", 1}, {"scans", 0}}},
      // One hostile store (any target, slot and value: every choice explored), one round of the
      // daemon's store and read, both pin pages mapped up front.
      {"mls-hostile-mapper", {{"writes", 1}, {"rounds", 1}, {"pin_pages", 1}}},
  };
  return kSizes;
}

// The executions DPOR may spend on one scenario and memory model: enough for the largest stated
// size at the report's own budget; a smaller --executions (a test) caps it.
uint64_t dpor_budget(const ReportContext& c) {
  if (c.options.dpor_executions > 0) return c.options.dpor_executions;
  return c.options.executions >= kDefaultExecutions ? kDporExecutions : c.options.executions;
}

// `--param a=1 --param b=2` for the size of `sc` (the table's size column and its command).
std::string size_flags(const std::map<std::string, int64_t>& params) {
  std::string out;
  for (const auto& [name, value] : params) out += (out.empty() ? "" : " ") + ("--param " + name + "=" + std::to_string(value));
  return out;
}

std::string dpor_result(const sim::RunReport& r) {
  if (r.failure) return "VIOLATION of " + r.failure->verdict.property;
  if (r.stop_reason == "space exhausted") return "holds in every schedule (search complete)";
  return "holds; search not complete";
}

// The proposal's design mistakes whose scenario is `sc`, each searched by DPOR (sc) at `size`.
std::string mutants_at_size(const ReportContext& c, const sim::Scenario& sc, const std::map<std::string, int64_t>& size,
                            uint64_t budget) {
  std::string out;
  for (const auto& m : c.catalog.mutants()) {
    if (m.scenarios.empty() || m.scenarios.front() != sc.name()) continue;
    sim::RunRequest req = request(c, &sc, size);
    req.config.strategy = "dpor";
    req.config.mutant = m.name;
    req.config.memory_model = m.memory_model;  // the ordering mutants show under lkmm only
    req.config.executions_max = budget;
    const sim::RunReport r = sim::run(req);
    out += (out.empty() ? "" : "; ") + ("`" + m.name + "`" + (m.memory_model == "sc" ? "" : " (" + m.memory_model + ")") + ": ");
    out += r.failure ? "`" + r.failure->verdict.property + "` at execution " + std::to_string(r.failure->index)
                     : "not found in " + std::to_string(r.executions) + " executions";
  }
  return out.empty() ? "-" : out;
}

}  // namespace

// The recommended configuration under DPOR, at a stated size, under sc and lkmm.
void write_dpor_table(ReportContext& c) {
  const uint64_t budget = dpor_budget(c);
  std::vector<const sim::Scenario*> rows = c.scenarios;
  // The lock-free read of a multi-word entry under weak memory: the proposal's publication order.
  if (const sim::Scenario* order = c.catalog.find("proposal-publish-order")) rows.push_back(order);
  c.md << "The recommended configuration under DPOR (`--strategy dpor`, every class of equivalent schedules, "
          "budget " << budget << " executions per run), at the size each row states, under sequential consistency "
          "(`--memory-model sc`) and the Linux-kernel memory model (`--memory-model lkmm`): where the search ends, the "
          "properties hold in every schedule at that size. Every actor runs on a CPU of its own (`own_cpus=1`): DPOR "
          "orders every pair of steps on one CPU (preemption there), and with the actors sharing the two CPUs of the "
          "default size most of these searches do not end within 20000 executions; on their own CPUs every interleaving of their "
          "shared accesses is still explored, what is left out is preemption between them on one CPU. The proposal's "
          "model keeps its entries' values outside the memory model (its accesses mark the races, they carry no "
          "values), so there lkmm has no older store to offer a load; `proposal-publish-order` is the user read of a "
          "multi-word entry with its loads and stores under lkmm (its ordering mutants are found only there, "
          "docs/memory-model.md). The last column is the scenario's design mistakes (its mutants) searched by DPOR "
          "at the same size, under sc (the ordering mutants under lkmm): the reduced size still finds each.\n\n"
       << "| scenario | size | sc: executions | sc: result | lkmm: executions | lkmm: result | design mistakes at this size |\n"
          "|---|---|---|---|---|---|---|\n";
  for (const sim::Scenario* sc : rows) {
    std::map<std::string, int64_t> size;
    const bool mls = sc->name().starts_with("mls-");
    if (mls) size["own_cpus"] = 1;
    if (auto it = dpor_sizes().find(std::string(sc->name())); it != dpor_sizes().end()) {
      size.insert(it->second.begin(), it->second.end());
    }
    c.md << "| `" << sc->name() << "` | " << (size.empty() ? std::string("default") : "`" + size_flags(size) + "`") << " |";
    for (const char* model : {"sc", "lkmm"}) {
      sim::RunRequest req = request(c, sc, size);
      req.config.strategy = "dpor";
      req.config.memory_model = model;
      req.config.executions_max = budget;
      const sim::RunReport r = sim::run(req);
      c.md << " " << r.executions << " | " << dpor_result(r) << " |";
      if (r.stop_reason == "space exhausted" && !r.failure) ++c.dpor_complete;
      ++c.dpor_runs;
    }
    c.md << " " << mutants_at_size(c, *sc, size, budget) << " |\n";
  }
  c.md << "\nRepeat a row: `lsmc explore --scenario NAME --strategy dpor --memory-model sc|lkmm --executions " << budget
       << " SIZE`.\n\n";
}

void write_mutant_table(ReportContext& c) {
  c.md << "### The proposal's design mistakes\n\n"
       << "| design mistake (mutant) | property violated | found in execution (numbered from 0, as `lsmc explore` "
          "prints it) | minimised trace |\n|---|---|---|---|\n";
  for (const auto& m : c.catalog.mutants()) {
    if (m.scenarios.empty() || !m.scenarios.front().starts_with("mls-") || m.scenarios.front().starts_with("mls-lib-")) continue;
    ++c.mutants;
    sim::RunRequest req = request(c, c.catalog.find(m.scenarios.front()), {});
    req.config.mutant = m.name;
    const sim::RunReport r = sim::run(req);
    if (!r.failure) {
      c.md << "| `" << m.name << "` | not found in " << r.executions << " executions | - | - |\n";
      continue;
    }
    ++c.found;
    c.md << "| `" << m.name << "` | `" << r.failure->verdict.property << "` | " << r.failure->index << " | "
         << c.save_trace(m.name, req, r) << " |\n";
  }
  c.md << "\nThe recommended configuration holds every property in " << c.recommended_hold << " of " << c.scenarios.size()
       << " scenarios on task storage, in " << c.cgroup_hold << " of " << c.scenarios.size() << " on cgroup storage, in "
       << c.sk_hold << " of " << c.scenarios.size() << " on socket storage and in " << c.inode_hold << " of "
       << c.scenarios.size() << " on inode storage; "
       << c.found << " of " << c.mutants << " design mistakes are found.\n\n";
}

}  // namespace lsmc::report
