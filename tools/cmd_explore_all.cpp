// lsmc explore --all: the default campaign. Every scenario unmutated and every mutant on its
// scenarios, each on every profile it declares; each must behave as declared.
#include <iomanip>

#include "tools/explore.hpp"

namespace lsmc::cli {

// The default campaign: every scenario unmutated, and every mutant on its scenarios. Each must
// behave as declared: passing scenarios pass, failing examples fail, mutants are found.
int explore_all(Context& c, const ExploreOptions& o) {
  if (!o.scenario.empty() || !o.mutant.empty() || !o.trace_out.empty()) {
    throw UsageError("--all runs every scenario and mutant; it takes no --scenario, --mutant or --trace-out");
  }
  struct Row {
    std::string scenario, mutant, profile, expected, got;
    uint64_t executions;
    double seconds;
  };
  std::vector<Row> rows;
  bool all_ok = true;
  auto run_row = [&](const std::string& scenario, const std::string& mutant, const std::string& profile,
                     bool expect_fail) {
    ExploreOptions one = o;
    one.all = false;
    one.scenario = scenario;
    one.mutant = mutant;
    one.profile = profile;
    sim::RunRequest req = make_request(c, one, scenario);
    const sim::RunReport r = sim::run(req);
    const bool found = r.outcome == sim::Outcome::kViolation;
    const bool ok = found == expect_fail && r.outcome != sim::Outcome::kNondeterminism &&
                    r.outcome != sim::Outcome::kLimit;
    all_ok = all_ok && ok;
    rows.push_back({scenario, mutant.empty() ? "-" : mutant, profile, expect_fail ? "finding" : "clean",
                    std::string(ok ? "ok: " : "UNEXPECTED: ") +
                        (found ? r.failure->verdict.property : std::string(sim::to_string(r.outcome))),
                    r.executions, r.seconds});
  };
  // Each scenario on each profile it declares; each mutant on each profile its scenario and
  // it both declare.
  for (const auto& s : c.catalog.scenarios()) {
    for (const auto& p : sim::run_profiles(*s, nullptr)) run_row(std::string(s->name()), "", p, s->expected_to_fail());
  }
  for (const auto& m : c.catalog.mutants()) {
    for (const auto& s : m.scenarios) {
      const sim::Scenario* sc = c.catalog.find(s);
      if (sc == nullptr) throw std::logic_error("mutant " + m.name + " names unknown scenario " + s);
      for (const auto& p : sim::run_profiles(*sc, &m)) run_row(s, m.name, p, true);
    }
  }
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows) {
      j.push_back({{"scenario", r.scenario}, {"mutant", r.mutant}, {"profile", r.profile}, {"expected", r.expected},
                   {"result", r.got}, {"executions", r.executions}, {"seconds", r.seconds}});
    }
    c.out << j.dump(2) << "\n";
  } else {
    std::size_t ws = 8, wm = 6;
    for (const auto& r : rows) ws = std::max(ws, r.scenario.size()), wm = std::max(wm, r.mutant.size());
    const int cs = static_cast<int>(ws + 2), cm = static_cast<int>(wm + 2);
    c.out << std::left << std::setw(cs) << "scenario" << std::setw(cm) << "mutant" << std::setw(12) << "profile"
         << std::setw(10) << "expected" << std::setw(12) << "executions" << "result\n";
    for (const auto& r : rows) {
      c.out << std::left << std::setw(cs) << r.scenario << std::setw(cm) << r.mutant << std::setw(12) << r.profile
           << std::setw(10) << r.expected << std::setw(12) << r.executions << r.got << "\n";
    }
    c.out << (all_ok ? "all scenarios and mutants behaved as expected\n"
                    : "SOME SCENARIOS DID NOT BEHAVE AS EXPECTED\n");
  }
  return all_ok ? kExitOk : kExitViolation;
}

}  // namespace lsmc::cli
