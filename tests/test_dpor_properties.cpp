// DPOR is sound: on random small programs (tests/dpor_programs.hpp) it reaches every outcome that
// unbounded DFS reaches, whole and split in two parts.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "tests/dpor_programs.hpp"
#include "tests/rc_budget.hpp"

namespace lsmc {
namespace {

using namespace dpor_test;

// Soundness on random programs: every outcome unbounded DFS reaches, DPOR reaches too. With
// `rcu`, half the instructions are RCU ones (readers, nested sections, synchronize_rcu, call_rcu:
// the grace period's wait and its per-reader footprint, model::rcu_reader_exits).
constexpr uint64_t kDfsBudget = 20000;
constexpr uint64_t kDfsBudgetRcu = 1500;
// With `percpu`, half the instructions are per-CPU ones (Program::percpu).
Program random_program(bool rcu, bool percpu = false) {
  Program p;
  p.percpu = percpu;
  const int actors = *rc::gen::inRange(2, 4);
  p.vars = *rc::gen::inRange(1, 3);
  p.rcu = rcu;
  for (int a = 0; a < actors; ++a) {
    // With RCU, a grace-period kthread is a third or fourth actor: shorter programs, as many cases.
    const int len = *rc::gen::inRange(1, actors == 3 ? 3 - rcu : 4);
    std::vector<Instr> prog;
    for (int k = 0; k < len; ++k) {
      Instr i;
      const bool pick_rcu = rcu && *rc::gen::inRange(0, 2) == 0;
      const bool pick_percpu = percpu && *rc::gen::inRange(0, 2) == 0;
      i.kind = static_cast<Instr::Kind>(pick_rcu      ? *rc::gen::inRange(Instr::kKinds, Instr::kRcuKinds)
                                        : pick_percpu ? *rc::gen::inRange(Instr::kPercpuFirst, Instr::kPercpuKinds)
                                                      : *rc::gen::inRange(0, Instr::kKinds));
      const bool waits = i.kind == Instr::kWaitFlag || i.kind == Instr::kWaitDeclared || i.kind == Instr::kWaitEven ||
                         i.kind == Instr::kWaitNonzero || i.kind == Instr::kWaitEvenDeclared;
      if (a == 0 && waits) i.kind = Instr::kRead;  // actor 0 never waits
      i.var = *rc::gen::inRange(0, p.vars);
      prog.push_back(i);
    }
    p.actors.push_back(prog);
    p.cpus.push_back(static_cast<uint16_t>(*rc::gen::inRange(0, 3)));
  }
  p.daemon = !rcu && *rc::gen::inRange(0, 3) == 0;
  // Half the time readers run before grace periods start in DPOR's first executions, so that a
  // reduction that never moves a start earlier (rule G keeps those races) loses outcomes.
  p.rcu_gp_last = rcu && *rc::gen::inRange(0, 2) == 0;
  return p;
}

void reaches_every_outcome_dfs_reaches(bool rcu) {
  const Program p = random_program(rcu);
  RC_TAG(p.actors.size());
  // A few random programs have millions of schedules (one reached DFS's million-execution cap
  // after nine minutes); they are discarded rather than compared, which keeps a case under ~0.1 s.
  const Compared c = compare(p, rcu ? kDfsBudgetRcu : kDfsBudget);
  // A model error (a wait whose condition changed in a step its declared reads do not cover, as a
  // grace period's per-reader footprint would if it named too few readers) fails the property;
  // other findings (a deadlock of a waiter) and programs too big for DFS are skipped.
  if (c.dfs.failure && c.dfs.failure->verdict.property == "model-error") {
    RC_FAIL("model error in " + show(p) + ": " + c.dfs.failure->verdict.message);
  }
  RC_PRE(c.dfs.stop_reason == "space exhausted");
  RC_ASSERT(c.dpor.stop_reason == "space exhausted");
  if (c.dpor_outcomes != c.dfs_outcomes) {
    std::string missing;
    for (const std::string& o : c.dfs_outcomes) {
      if (c.dpor_outcomes.count(o) == 0) missing += " [" + o + "]";
    }
    RC_FAIL("outcomes differ for " + show(p) + "; dpor misses" + missing);
  }
  RC_ASSERT(c.dpor.executions <= c.dfs.executions);
  // Split in two parts at depth 2 (--shard I/2 --split-depth 2): together they reach it all too.
  std::set<std::string> split_outcomes;
  for (uint64_t part = 0; part < 2; ++part) {
    auto seen = std::make_shared<std::set<std::string>>();
    const auto s = scenario_of(p, seen);
    RC_ASSERT(explore(s, "dpor", part, 2, 2).stop_reason == "space exhausted");
    split_outcomes.insert(seen->begin(), seen->end());
  }
  if (split_outcomes != c.dfs_outcomes) RC_FAIL("split DPOR's outcomes differ for " + show(p));
}

// Per-CPU data (Env::percpu): an access to a CPU's counter is no scheduling point while that CPU
// has one actor. DPOR and DFS with the declaration reach every outcome DFS reaches without it (two
// to four actors on CPUs 0..2, so some CPUs have one actor and some more).
void percpu_declaration_keeps_every_outcome() {
  const Program p = random_program(false, true);
  Program truth = p;
  truth.declare_percpu = false;
  RC_TAG(p.actors.size());
  const Compared c = compare(truth, p, kDfsBudget);
  if (c.dfs.failure && c.dfs.failure->verdict.property == "model-error") {
    RC_FAIL("model error in " + show(p) + ": " + c.dfs.failure->verdict.message);
  }
  RC_PRE(c.dfs.stop_reason == "space exhausted");
  RC_ASSERT(c.dpor.stop_reason == "space exhausted");
  if (c.dpor_outcomes != c.dfs_outcomes) RC_FAIL("DPOR's outcomes with per-CPU data differ for " + show(p));
  auto seen = std::make_shared<std::set<std::string>>();
  const auto s = scenario_of(p, seen);
  const sim::RunReport dfs = explore(s, "dfs");
  RC_ASSERT(dfs.stop_reason == "space exhausted");
  RC_ASSERT(dfs.executions <= c.dfs.executions);
  if (*seen != c.dfs_outcomes) RC_FAIL("DFS's outcomes with per-CPU data differ for " + show(p));
}

// 100 programs in Release; 20 under ASan+UBSan, where the 100 took about two minutes of CI.
TEST(DporProperties, ReachesEveryOutcomeDfsReaches) {
  test::check_property([] { reaches_every_outcome_dfs_reaches(false); }, 20);
}
// 30 programs in Release (100 took 2.5 s of CPU: each has a grace-period kthread), 8 under ASan.
TEST(DporProperties, ReachesEveryOutcomeDfsReachesWithRcu) {
  test::check_property([] { reaches_every_outcome_dfs_reaches(true); }, 8, 30);
}

TEST(DporProperties, PerCpuDataKeepsEveryOutcomeDfsReachesWithoutIt) {
  test::check_property([] { percpu_declaration_keeps_every_outcome(); }, 20);
}

}  // namespace
}  // namespace lsmc
