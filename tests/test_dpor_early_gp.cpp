// DPOR's rule G (sim/strategies/dpor.cpp): a grace period of a flavour declared with
// Env::rcu_early_grace_periods starts before the sections it races with, and only where the
// declaration's conditions hold. tests/test_dpor_properties.cpp checks it on random programs.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "model/linux/rcu.hpp"
#include "sim/execution.hpp"
#include "tests/dpor_programs.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using namespace dpor_test;

// A reader reads v0 inside a section, then again outside; call_rcu's callback writes v0 (51). The
// reader sees 51 inside only where its section began after the grace period's start and the
// callback ran before its read. DPOR's first execution runs the reader first (lower actor id), so
// it reaches that outcome only by moving the start before the reader's rcu_read_lock: the race
// rule G keeps. Without rule G DPOR also tries the start after the lock and after the unlock.
Program callback_and_a_reader(bool early) {
  Program p;
  p.vars = 1;
  p.rcu = true;
  p.rcu_early = early;
  p.actors = {{{Instr::kRcuSection, 0}, {Instr::kRead, 0}}, {{Instr::kCallRcu, 0}}};
  p.cpus = {0, 1};
  return p;
}

TEST(DporEarlyGp, AGracePeriodStartsBeforeTheSectionsItRacesWithAndKeepsEveryOutcome) {
  const Compared with = compare(callback_and_a_reader(false), callback_and_a_reader(true), 1000000);
  const Compared without = compare(callback_and_a_reader(false));
  ASSERT_EQ(with.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(with.dpor.stop_reason, "space exhausted");
  ASSERT_EQ(without.dpor.stop_reason, "space exhausted");
  // The same outcomes as unreduced DFS: (0, 0), (0, 51), (51, 51).
  EXPECT_EQ(with.dpor_outcomes, with.dfs_outcomes);
  EXPECT_EQ(without.dpor_outcomes, with.dfs_outcomes);
  EXPECT_EQ(with.dfs_outcomes.size(), 3u);
  // Fewer executions: the starts placed after a reader's lock or unlock are not tried.
  EXPECT_LT(with.dpor.executions, without.dpor.executions);
}

// Two readers before call_rcu in DPOR's first execution, so the grace period's start races with
// both sections' steps: only the race with the earliest is reversed, and the outcomes stay.
Program callback_after_two_readers(bool early) {
  Program p;
  p.vars = 1;
  p.rcu = true;
  p.rcu_early = early;
  p.actors = {{{Instr::kRcuSection, 0}}, {{Instr::kRcuLock, 0}, {Instr::kRcuUnlock, 0}}, {{Instr::kCallRcu, 0}}};
  p.cpus = {0, 1, 2};
  return p;
}

// Unbounded DFS does not exhaust this one (four actors): DPOR without rule G, which
// DporProperties checks against DFS, is the reference.
TEST(DporEarlyGp, AStartRacingWithSeveralSectionsMovesBeforeTheEarliestOnly) {
  auto with = std::make_shared<std::set<std::string>>();
  auto without = std::make_shared<std::set<std::string>>();
  const sim::RunReport r_with = explore(scenario_of(callback_after_two_readers(true), with), "dpor");
  const sim::RunReport r_without = explore(scenario_of(callback_after_two_readers(false), without), "dpor");
  ASSERT_EQ(r_with.stop_reason, "space exhausted");
  ASSERT_EQ(r_without.stop_reason, "space exhausted");
  // The reader saw 0 or 51 inside its section.
  EXPECT_EQ(*with, *without);
  EXPECT_EQ(without->size(), 2u);
  // 144 executions without rule G; 11 with every race of the start with a section step reversed;
  // 7 with the earliest only; 6 with exits neither races nor orders (measured 2026-12-07).
  EXPECT_LE(r_with.executions, 6u);
}

// A Tasks Trace reader may sleep in its section: here it blocks on a mutex whose holder waits for a
// Tasks Trace grace period that waits for the reader. That deadlock needs the grace period to start
// after the reader's rcu_read_lock_trace, so the flavour is never declared for rule G, and DPOR
// must reach it.
struct TraceWorld {
  model::kernel::Rcu rcu;
  model::ObjectId mutex = model::kNoObject;
};

TEST(DporEarlyGp, ASleepableReaderBlockedByASynchronizeCallerStillDeadlocks) {
  const test::Lambda s([](sim::Setup& setup) {
    auto& w = setup.make<TraceWorld>();
    w.rcu.init(setup.env(), {});
    w.mutex = setup.env().new_lock(model::LockKind::kMutex, "mutex");
    for (auto f : {model::RcuFlavour::kRcu, model::RcuFlavour::kTasksTrace}) {
      sim::ActorOptions o;
      o.cpu = f == model::RcuFlavour::kRcu ? 6 : 7;
      o.daemon = true;
      setup.spawn(f == model::RcuFlavour::kRcu ? "rcu_gp" : "rcu_tasks_trace_gp",
                  [&w, f](model::Env& env) { w.rcu.gp_actor(env, f); }, o);
    }
    sim::ActorOptions holder;
    holder.cpu = 0;
    setup.spawn("holder", [&w](model::Env& env) {
      env.lock(w.mutex, "mutex_lock");
      w.rcu.synchronize(env, model::RcuFlavour::kTasksTrace);
      env.unlock(w.mutex, "mutex_unlock");
    }, holder);
    sim::ActorOptions reader;
    reader.cpu = 1;
    setup.spawn("sleepable reader", [&w](model::Env& env) {
      w.rcu.read_lock(env, model::RcuFlavour::kTasksTrace);
      env.lock(w.mutex, "mutex_lock");
      env.unlock(w.mutex, "mutex_unlock");
      w.rcu.read_unlock(env, model::RcuFlavour::kTasksTrace);
    }, reader);
  });
  const sim::RunReport r = explore(s, "dpor");
  EXPECT_EQ(r.outcome, sim::Outcome::kViolation);
}

}  // namespace
}  // namespace lsmc
