// lsmc explore --all: the default campaign. Every scenario unmutated and every mutant on its
// scenarios, each on every profile it declares; each must behave as declared.
#include <iomanip>

#include "tools/checkpoint.hpp"
#include "tools/explore.hpp"
#include "traces/safe_text.hpp"

namespace lsmc::cli {

namespace {

// One entry of the campaign: what runs, what it must give, and (once run) what it gave.
struct Entry {
  std::string scenario, mutant, profile;
  bool expect_fail = false;
  std::string got = "not run";  // "ok: ...", "UNEXPECTED: ...", "interrupted", "not run"
  uint64_t executions = 0;
  double seconds = 0;
};

// A tree search a signal stopped: where its checkpoint was written, or why it was not.
struct Written {
  std::string path, error;
};

// Each scenario on each profile it declares; each mutant on each profile its scenario and it
// both declare; with `only` (--profile), the entries of that profile alone (a scenario that models
// no kernel runs under the first profile only). The order is fixed: --all-from N counts in it.
std::vector<Entry> campaign(const sim::Catalog& catalog, const std::string& only) {
  std::vector<Entry> entries;
  auto add = [&entries, &only](Entry e) {
    if (only.empty() || e.profile == only) entries.push_back(std::move(e));
  };
  for (const auto& s : catalog.scenarios()) {
    for (const auto& p : sim::run_profiles(*s, nullptr)) add({std::string(s->name()), "", p, s->expected_to_fail()});
  }
  for (const auto& m : catalog.mutants()) {
    for (const auto& s : m.scenarios) {
      const sim::Scenario* sc = catalog.find(s);
      if (sc == nullptr) throw std::logic_error("mutant " + m.name + " names unknown scenario " + s);
      for (const auto& p : sim::run_profiles(*sc, &m)) add({s, m.name, p, true});
    }
  }
  return entries;
}

// --profile with --all: one of sim::kProfiles, or a usage error naming them.
void check_campaign_profile(const std::string& profile) {
  if (profile.empty()) return;
  std::string names;
  for (std::string_view p : sim::kProfiles) {
    if (p == profile) return;
    names += (names.empty() ? "" : ", ") + std::string(p);
  }
  throw UsageError("--profile '" + profile + "' is not a kernel profile (one of: " + names + ")");
}

// Runs one entry; false when a signal stopped it before it had its answer. `resume`: the entry
// goes on from the checkpoint --resume names (the first entry run).
bool run_entry(Context& c, const ExploreOptions& o, Entry& e, bool resume, Written& checkpoint) {
  ExploreOptions one = o;
  one.all = false;
  one.scenario = e.scenario;
  one.mutant = e.mutant;
  one.profile = e.profile;
  if (!resume) one.resume.clear();
  sim::RunRequest req = make_request(c, one, e.scenario);
  std::vector<sim::PartCheckpoint> from;
  if (resume && !o.resume.empty()) {
    from = read_checkpoint(o.resume, req);
    req.resume = &from;
  }
  const sim::RunReport r = sim::run(req);
  e.executions = r.executions;
  e.seconds = r.seconds;
  if (!r.failure && r.stop_reason == "interrupted") {
    e.got = "interrupted";
    if (!r.checkpoint.empty()) {
      checkpoint.path = fresh_output_path(o.out_dir, checkpoint_name(req));
      checkpoint.error = write_checkpoint(checkpoint.path, req, r.checkpoint);
    }
    return false;
  }
  const bool found = r.outcome == sim::Outcome::kViolation;
  const bool ok = found == e.expect_fail && r.outcome != sim::Outcome::kNondeterminism && r.outcome != sim::Outcome::kLimit;
  e.got = std::string(ok ? "ok: " : "UNEXPECTED: ") + (found ? r.failure->verdict.property : std::string(sim::to_string(r.outcome)));
  return true;
}

void print_table(Context& c, const std::vector<Entry>& entries, std::size_t first) {
  std::size_t ws = 8, wm = 6;
  for (const auto& e : entries) ws = std::max(ws, e.scenario.size()), wm = std::max(wm, e.mutant.size() + 1);
  const int cs = static_cast<int>(ws + 2), cm = static_cast<int>(wm + 2);
  c.out << std::left << std::setw(5) << "#" << std::setw(cs) << "scenario" << std::setw(cm) << "mutant" << std::setw(12)
        << "profile" << std::setw(10) << "expected" << std::setw(12) << "executions" << "result\n";
  for (std::size_t i = first; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    c.out << std::left << std::setw(5) << i + 1 << std::setw(cs) << e.scenario << std::setw(cm)
          << (e.mutant.empty() ? "-" : e.mutant) << std::setw(12) << e.profile << std::setw(10)
          << (e.expect_fail ? "finding" : "clean") << std::setw(12) << e.executions << e.got << "\n";
  }
}

}  // namespace

// The default campaign: every scenario unmutated, and every mutant on its scenarios (with
// --profile, only the entries of that profile). Each must behave as declared: passing scenarios pass, failing examples fail, mutants are found. A signal
// stops it at the entry running: that one and the rest are "interrupted" and "not run", and the
// command printed runs the campaign from that entry on (--all-from).
int explore_all(Context& c, const ExploreOptions& o) {
  if (!o.scenario.empty() || !o.mutant.empty() || !o.trace_out.empty()) {
    throw UsageError("--all runs every scenario and mutant; it takes no --scenario, --mutant or --trace-out");
  }
  check_campaign_profile(o.profile);
  std::vector<Entry> entries = campaign(c.catalog, o.profile);
  if (o.all_from > entries.size()) {
    throw UsageError("--all-from " + std::to_string(o.all_from) + ": the campaign has " +
                     std::to_string(entries.size()) + " entries");
  }
  const std::size_t first = o.all_from - 1;
  bool all_ok = true;
  std::optional<std::size_t> stopped;  // the entry a signal stopped
  Written written;
  for (std::size_t i = first; i < entries.size() && !stopped; ++i) {
    if (!run_entry(c, o, entries[i], i == first, written)) stopped = i;
    all_ok = all_ok && (stopped || entries[i].got.starts_with("ok: "));
  }
  // A tree search stopped goes on from its checkpoint; without one, the entry starts again.
  std::vector<std::pair<std::string, std::string>> from;
  const std::string& checkpoint = written.path;
  const std::string& checkpoint_error = written.error;
  if (stopped) {
    from.emplace_back("--all-from", std::to_string(*stopped + 1));
    if (checkpoint_error.empty() && !checkpoint.empty()) from.emplace_back("--resume", checkpoint);
  }
  // (a --resume given, with no checkpoint to replace it, must not name the old one)
  const bool stale = stopped && !o.resume.empty() && (checkpoint.empty() || !checkpoint_error.empty());
  const std::string resume = !stopped || stale ? "" : resume_command(c, from);
  const int code = stopped ? (checkpoint_error.empty() && !stale ? interrupted_exit_code(c) : kExitUsage)
                           : all_ok ? kExitOk : kExitViolation;
  if (o.json) {
    nlohmann::json j;
    j["outcome"] = stopped ? "interrupted" : all_ok ? "as-declared" : "not-as-declared";
    j["entries_total"] = entries.size();
    j["first_entry"] = first + 1;
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = first; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      rows.push_back({{"entry", i + 1}, {"scenario", e.scenario}, {"mutant", e.mutant.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.mutant)},
                      {"profile", e.profile}, {"expected", e.expect_fail ? "finding" : "clean"}, {"result", e.got},
                      {"executions", e.executions}, {"seconds", e.seconds}});
    }
    j["entries"] = rows;
    if (stopped) {
      j["signal"] = interrupted_signal_name(c);
      j["resume_command"] = resume;
      if (!checkpoint.empty() && checkpoint_error.empty()) j["checkpoint"] = checkpoint;
      if (!checkpoint_error.empty()) j["checkpoint_error"] = checkpoint_error;
    }
    j["exit_code"] = code;
    c.out << j.dump(2) << "\n";
    return code;
  }
  if (first > 0) c.out << "entries 1.." << first << " of " << entries.size() << " skipped (--all-from " << o.all_from << ")\n";
  print_table(c, entries, first);
  if (stopped) {
    c.out << "result: interrupted (" << interrupted_signal_name(c) << ") in entry " << *stopped + 1 << " of " << entries.size()
          << "; entries " << *stopped + 1 << ".." << entries.size() << " not run"
          << (all_ok ? "" : "; SOME ENTRIES RUN DID NOT BEHAVE AS EXPECTED") << "\n";
    if (!checkpoint.empty() && checkpoint_error.empty()) c.out << "  checkpoint: " << traces::printable(checkpoint) << "\n";
    if (!checkpoint_error.empty()) c.err << "lsmc: " << checkpoint_error << "\n";
    c.out << "  resume: " << (resume.empty() ? "not possible: the checkpoint was not written" : resume) << "\n";
  } else {
    c.out << (all_ok ? "all scenarios and mutants behaved as expected\n" : "SOME SCENARIOS DID NOT BEHAVE AS EXPECTED\n");
  }
  return code;
}

}  // namespace lsmc::cli
