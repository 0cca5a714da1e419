// Generated scenarios: the unmutated model passes on every generated scenario; each mutant the
// generated scenario can reach is found and shrunk to a small scenario that finds it again.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "properties/generated.hpp"
#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

// A smoke test of the unmutated model on a few generated scenarios of each profile (RapidCheck
// scales the ranges with the case count, so these reach the full ranges). The claim of issue 12,
// 2000 clean cases on each profile, is tools/generate-table.sh's, which docs/performance.md quotes:
// 12 to 14 s of CPU per profile in Release (minutes under ASan), too long for every CI run.
TEST(Generated, UnmutatedModelPassesOnGeneratedScenarios) {
  const sim::Catalog c = test::catalog();
  for (std::string_view profile : sim::kProfiles) {
    properties::GenerateOptions o;
    o.cases = 25;
    o.profile = std::string(profile);
    const auto r = properties::generate(c, o);
    EXPECT_EQ(r.cases, 25u) << profile;
    EXPECT_FALSE(r.minimal.has_value()) << r.command;
  }
}

// A mutant lsmc generate finds on a profile, from the catalog (MutantInfo::generate, profiles).
struct MutantOnProfile {
  std::string mutant, profile;
};
void PrintTo(const MutantOnProfile& m, std::ostream* os) { *os << m.mutant << " on " << m.profile; }

std::vector<MutantOnProfile> generate_mutants() {
  std::vector<MutantOnProfile> out;
  const sim::Catalog c = test::catalog();
  for (const sim::MutantInfo& m : c.mutants()) {
    if (!m.generate) continue;
    for (const std::string& p : m.profiles) out.push_back({m.name, p});
  }
  return out;
}

// Issue 12's done-when: every listed kernel bug (a mutant of the kernel model, one that declares
// the kernel versions with its code) is found by lsmc generate, with no scenario written for it;
// and generate refuses the mutants it cannot reach rather than searching in vain.
TEST(Generated, EveryKernelMutantIsOneGenerateFinds) {
  const sim::Catalog c = test::catalog();
  std::set<int> bugs;  // the numbers of ../shared/bugs.md the generate mutants put back
  for (const sim::MutantInfo& m : c.mutants()) {
    // A weak-memory mutant (docs/memory-model.md) shows under lkmm only; generate runs under sc.
    if (m.profiles.empty() || m.memory_model != "sc") {
      EXPECT_FALSE(m.generate) << m.name << " models no kernel or needs a weak memory model: generate cannot reach it";
      properties::GenerateOptions o;
      o.mutant = m.name;
      o.cases = 1;
      EXPECT_THROW(properties::generate(c, o), std::invalid_argument) << m.name;
      continue;
    }
    EXPECT_TRUE(m.generate) << m.name;
    if (m.generate && m.description.rfind("bug ", 0) == 0) bugs.insert(std::stoi(m.description.substr(4)));
  }
  std::set<int> listed;
  for (int n = 1; n <= 18; ++n) listed.insert(n);
  EXPECT_EQ(bugs, listed);
}

// The mutants whose bugs the generated vocabulary reaches with no scenario written for them:
// operations (gets, deletes, lookups, updates, sleepable gets, teardown) in program types of
// their own, a program at any attach point of the table, a fork with its fault points, spin-lock
// values, NULL tasks, sockets and inodes, and knobs (CPUs, PREEMPT_RT, grace-period implication,
// cmpxchg_double, the busy counter, 7.0's lock timeouts). docs/performance.md has the cases and
// seconds each takes.
class GeneratedMutant : public ::testing::TestWithParam<MutantOnProfile> {};

// tests/generate-found-at.txt: the case (from 1) at which generate first finds each mutant on a
// profile; 0 when the file does not list it.
uint64_t recorded_found_at(const MutantOnProfile& m) {
  std::ifstream in(std::string(LSMC_SOURCE_DIR) + "/tests/generate-found-at.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string profile, mutant;
    uint64_t found_at = 0;
    if (fields >> profile >> mutant >> found_at && profile == m.profile && mutant == m.mutant) return found_at;
  }
  return 0;
}

// Every line of tests/generate-found-at.txt is PROFILE MUTANT CASE, names a mutant generate finds on
// that profile, and is the only line for it: a line left over from a renamed or removed mutant, or
// a second line that the first would hide, fails here rather than going unnoticed.
TEST(Generated, FoundAtFileListsOnlyGenerateMutantsOnceEach) {
  std::set<std::pair<std::string, std::string>> expected;
  for (const MutantOnProfile& m : generate_mutants()) expected.insert({m.profile, m.mutant});
  std::ifstream in(std::string(LSMC_SOURCE_DIR) + "/tests/generate-found-at.txt");
  ASSERT_TRUE(in) << "tests/generate-found-at.txt";
  std::set<std::pair<std::string, std::string>> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string profile, mutant, rest;
    uint64_t found_at = 0;
    EXPECT_TRUE(fields >> profile >> mutant >> found_at && found_at > 0 && !(fields >> rest))
        << "line " << number << " is not PROFILE MUTANT CASE: " << line;
    EXPECT_TRUE(expected.count({profile, mutant})) << "line " << number << ": " << mutant << " on " << profile
                                                   << " is not a mutant lsmc generate finds there";
    EXPECT_TRUE(seen.insert({profile, mutant}).second) << "line " << number << " repeats " << profile << " " << mutant;
  }
  EXPECT_EQ(seen, expected) << "tests/generate-found-at.txt lists another set of mutants than the catalog's [generate] ones";
}

// The cases the sanitizer build runs before the recorded one: the search before them is Release's
// to check (in CI, the clean scenarios before the finding are most of this test's time: 17-141 s
// a mutant under ASan, 0.1-11 s in Release).
constexpr uint64_t kSanitizedCasesBefore = 20;

// The mutant is found by lsmc generate on its profile, at the case recorded for it, and shrunk;
// the minimal scenario finds it again.
TEST_P(GeneratedMutant, IsFoundAndShrunkToASmallScenarioThatFindsItAgain) {
  const std::string& mutant = GetParam().mutant;
  const std::string& profile = GetParam().profile;
  const uint64_t found_at = recorded_found_at(GetParam());
  ASSERT_GT(found_at, 0u) << "tests/generate-found-at.txt does not list " << profile << " " << mutant
                          << " (tools/generate-table.sh prints the case)";
  const sim::Catalog c = test::catalog();
  properties::GenerateOptions o;
  o.mutant = mutant;
  o.profile = profile;
  o.cases = 2000;
#ifdef LSMC_SANITIZE
  o.skip_cases = found_at > kSanitizedCasesBefore + 1 ? found_at - 1 - kSanitizedCasesBefore : 0;
#endif
  const auto r = properties::generate(c, o);
  ASSERT_TRUE(r.minimal.has_value()) << mutant << " not found on " << profile << " in " << r.cases << " scenarios";
  ASSERT_TRUE(r.report && r.report->failure);
  EXPECT_EQ(r.failing_case + 1, found_at) << "generate finds " << mutant << " on " << profile << " at another case: "
                                          << "update tests/generate-found-at.txt";
  // Shrunk: at most four operations in all (the unshrunk ones have up to nine).
  EXPECT_LE(properties::scenario_size(*r.minimal), 4) << r.command;
  EXPECT_NE(r.command.find("--scenario generated --mutant " + mutant), std::string::npos);
  // The minimal scenario finds the same property again, from its parameters alone.
  sim::RunRequest req;
  req.scenario = c.find("generated");
  req.config.mutant = mutant;
  req.config.profile = profile;
  req.config.executions_max = o.executions;
  req.config.faults_max = o.faults_max;
  req.observers = properties::default_observers;
  req.known = c.known_in(profile);  // as generate counts them (--known count)
  ASSERT_FALSE(sim::resolve_params(*req.scenario, *r.minimal, req.params));
  const auto again = sim::run(req);
  ASSERT_TRUE(again.failure.has_value()) << r.command;
  EXPECT_EQ(again.failure->verdict.property, r.report->failure->verdict.property);
}

INSTANTIATE_TEST_SUITE_P(Catalog, GeneratedMutant, ::testing::ValuesIn(generate_mutants()), [](const auto& info) {
  std::string n = info.param.profile + "_" + info.param.mutant;
  for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return n;
});

// Runs the generated scenario with `params` under `mutant` (may be empty) and expects it clean.
void expect_generated_clean(const char* mutant, const std::map<std::string, int64_t>& params) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req;
  req.scenario = c.find("generated");
  req.config.mutant = mutant;
  req.config.executions_max = 3000;
  req.observers = properties::default_observers;
  ASSERT_FALSE(sim::resolve_params(*req.scenario, params, req.params));
  const auto r = sim::run(req);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
      << mutant << ": " << (r.failure ? r.failure->verdict.message : std::string());
}

// Regressions found by generated scenarios: two creators racing on the kzalloc path (the
// PREEMPT_RT and kmalloc_nolock mutants' allocator, with the default knobs, where both bugs are
// benign) were given the same storage object by Kernel::kzalloc_storage, and the frees took the
// bpf_mem_alloc path for objects the kzalloc path allocated.
TEST(Generated, KzallocPathRacesAreClean) {
  for (const char* mutant : {"alloc-in-atomic-rt", "nolock-alloc-fails"}) {
    for (int64_t teardown : {0, 1}) {
      expect_generated_clean(mutant, {{"a0", 2}, {"a1", 2}, {"a2", 6}, {"cpus", 2}, {"seeded", 0}, {"teardown", teardown}});
    }
  }
}

// Regression found by generated scenarios: a Tasks Trace callback that queues an RCU callback
// (a delete's free when a Tasks Trace grace period does not imply an RCU one) after the RCU
// grace-period actor had already ended left the element unfreed at quiescence.
TEST(Generated, ChainedGracePeriodCallbacksRunBeforeTheEnd) {
  for (const char* mutant : {"", "nolock-alloc-fails"}) {
    expect_generated_clean(mutant, {{"a0", 0}, {"a1", 0}, {"a2", 3}, {"cpus", 1}, {"seeded", 1}, {"teardown", 1},
                                    {"gp_implied", 0}});
  }
}

TEST(Generated, CommandLineShrinksAndWritesAReplayableTrace) {
  const std::string dir = test::temp_dir("generated");
  const auto r = test::run_lsmc("generate --mutant canary --trace-out g.trace", dir);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("minimal scenario"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("explore: " + test::lsmc_program() + " explore --scenario generated --mutant canary"), std::string::npos);
  const auto replay = test::run_lsmc("replay g.trace", dir);
  EXPECT_EQ(replay.code, 1) << replay.out << replay.err;  // reproduced: the violation again
  EXPECT_NE(replay.out.find("use-after-free"), std::string::npos) << replay.out;
  EXPECT_EQ(test::run_lsmc("generate --mutant no-such-bug", dir).code, 2);
  EXPECT_EQ(test::run_lsmc("generate --cases 20", dir).code, 0);
}

}  // namespace
}  // namespace lsmc
