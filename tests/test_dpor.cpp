// DPOR: the reduction is real (exact counts on small programs, grace periods included);
// tests/test_dpor_properties.cpp has its soundness on random programs.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "tests/dpor_programs.hpp"
#include "sim/execution.hpp"

namespace lsmc {
namespace {

using namespace dpor_test;

TEST(Dpor, IndependentActorsNeedOneExecution) {
  Program p;
  p.actors = {{{Instr::kYield}, {Instr::kYield}, {Instr::kYield}}, {{Instr::kYield}, {Instr::kYield}}};
  p.cpus = {1, 2};
  const Compared c = compare(p);
  EXPECT_EQ(c.dpor.stop_reason, "space exhausted");
  // Actor 0 writes var 0 at its end (the flag), which nobody else touches: one class.
  EXPECT_EQ(c.dpor.executions - c.dpor.metrics.pruned, 1u);
  EXPECT_GT(c.dfs.executions, 20u);
}

TEST(Dpor, StoreBufferingHasThreeClasses) {
  // a0: write x; read y.   a1: write y; read x.  Under SC: (0,1), (1,0), (1,1) are the outcomes.
  Program p;
  p.vars = 3;
  p.actors = {{{Instr::kWrite, 1}, {Instr::kRead, 2}}, {{Instr::kWrite, 2}, {Instr::kRead, 1}}};
  p.cpus = {1, 2};
  const Compared c = compare(p);
  EXPECT_EQ(c.dpor.stop_reason, "space exhausted");
  EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes);
  EXPECT_EQ(c.dfs_outcomes.size(), 3u);
  EXPECT_EQ(c.dpor.executions - c.dpor.metrics.pruned, 3u);
}

TEST(Dpor, ExploresEveryDrawValue) {
  Program p;
  p.actors = {{{Instr::kDraw}, {Instr::kDraw}}};
  p.cpus = {0};
  const Compared c = compare(p);
  EXPECT_EQ(c.dpor.executions, 4u);
  EXPECT_EQ(c.dpor_outcomes.size(), 4u);
}

TEST(Dpor, FindsTheGenericBugsAndExhaustsTheCorrectVariants) {
  const sim::Catalog cat = test::catalog();
  for (const char* bad : {"lost-update", "lock-inversion"}) {
    EXPECT_EQ(explore(*cat.find(bad), "dpor").outcome, sim::Outcome::kViolation) << bad;
  }
  for (const char* good : {"lost-update-locked", "lock-ordered"}) {
    const auto r = explore(*cat.find(good), "dpor");
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << good;
    EXPECT_EQ(r.stop_reason, "space exhausted") << good;
  }
}

TEST(Dpor, NeedsFarFewerExecutionsThanDfsOnTheLockedCounter) {
  const sim::Catalog cat = test::catalog();
  sim::RunRequest r;
  r.scenario = cat.find("lost-update-locked");
  r.config.executions_max = 10000000;
  r.config.preemption_bound = 1000000;
  ASSERT_FALSE(sim::resolve_params(*r.scenario, {{"actors", 3}}, r.params));
  r.config.strategy = "dfs";
  const auto dfs = sim::run(r);
  r.config.strategy = "dpor";
  const auto dpor = sim::run(r);
  ASSERT_EQ(dfs.stop_reason, "space exhausted");
  ASSERT_EQ(dpor.stop_reason, "space exhausted");
  EXPECT_GE(dfs.executions, 10 * dpor.executions) << dfs.executions << " vs " << dpor.executions;
}

// A wait whose condition turns false again while pending: v0 starts even, a0 makes it odd, a1
// even again. DPOR used to miss a2 passing its wait before both writes (the order hidden behind
// the happens-before edge of the write that made the condition true again): rule D of
// sim/strategies/dpor.cpp. With a2 writing v1 first, a2 arrives at its wait only after a0's
// write in the first execution (the condition false on arrival): rule A.
TEST(Dpor, WaitThatTurnsFalseAgainWhilePendingKeepsEveryOutcome) {
  for (const Instr::Kind wait : {Instr::kWaitEven, Instr::kWaitEvenDeclared}) {
    for (const bool write_first : {false, true}) {
      Program p;
      p.vars = 2;
      std::vector<Instr> a2 = {{wait, 0}};
      if (write_first) a2.insert(a2.begin(), Instr{Instr::kWrite, 1});
      p.actors = {{{Instr::kWrite, 0}, {Instr::kRead, 0}}, {{Instr::kWrite, 0}}, a2};
      p.cpus = {0, 0, 1};
      const Compared c = compare(p);
      ASSERT_EQ(c.dfs.stop_reason, "space exhausted");
      ASSERT_EQ(c.dpor.stop_reason, "space exhausted") << show(p);
      EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes) << show(p);
      // a2 saw v0 still 0: it passed its wait before both writes.
      const auto before_both = [](const std::string& o) { return o.ends_with("|0,|"); };
      EXPECT_TRUE(std::any_of(c.dpor_outcomes.begin(), c.dpor_outcomes.end(), before_both)) << show(p);
      EXPECT_LT(c.dpor.executions, c.dfs.executions) << show(p);
    }
  }
}

// DPOR reaches every outcome DFS reaches on `p`, `outcome` among them.
void expect_dpor_reaches(const Program& p, const std::string& outcome) {
  const Compared c = compare(p);
  ASSERT_EQ(c.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(c.dpor.stop_reason, "space exhausted") << show(p);
  EXPECT_EQ(c.dfs_outcomes.count(outcome), 1u);
  EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes) << show(p);
}

// A wait made true by one actor, then held off by a spinlock section of an actor on its own CPU
// that makes it false again: the wait can run first only before that section began, and DPOR
// must try it there (found by DporProperties: "actor0@cpu2: 2/0 0/0; actor1@cpu0: 0/0 1/0;
// actor2@cpu2: 1/0 9/0", where a2 seeing v0 = 2 was never explored).
TEST(Dpor, AWaitHeldOffBySameCpuSectionThatTurnsItFalseRunsBeforeTheSection) {
  Program p;
  p.vars = 1;
  p.actors = {{{Instr::kLocked, 0}, {Instr::kRead, 0}},
              {{Instr::kRead, 0}, {Instr::kWrite, 0}},
              {{Instr::kWrite, 0}, {Instr::kWaitEven, 0}}};
  p.cpus = {2, 0, 2};
  // a2 passed its wait on v0 = 2 (a1's write), before a0's section made it 21.
  expect_dpor_reaches(p, "21,|2,21,|0,|2,|");
}

// The same with a stable wait (nonzero) and the daemon: a1's write makes a2's wait true inside
// a0's preemption-off region on a2's CPU, nothing makes it false again; a2 seeing 2 needs a1's
// write before the region and a2's wait between them (found by DporProperties: "actor0@cpu1:
// 2/0 0/0; actor1@cpu0: 1/0; actor2@cpu1: 10/0; daemon").
TEST(Dpor, AWaitMadeTrueInsideASameCpuSectionAlsoRunsBeforeTheSection) {
  Program p;
  p.vars = 1;
  p.daemon = true;
  p.actors = {{{Instr::kLocked, 0}, {Instr::kRead, 0}}, {{Instr::kWrite, 0}}, {{Instr::kWaitNonzero, 0}}};
  p.cpus = {1, 0, 1};
  expect_dpor_reaches(p, "21,|2,21,||2,|");
}

// The same where the step that makes the wait true is the last before the search stops: a0 (cpu 1)
// sleeps in synchronize_rcu while a1 (cpu 1) holds a spinlock; the grace-period kthread (spawned
// last, so DPOR tries it last) ends the grace period inside a1's section, and the execution is
// pruned there (a1's unlock, done before, sleeps). No event recorded a0 held off with its wait
// true, so rule E never fired and a1's section after a0's read of v0 was never explored (found by
// DporProperties: "actor0@cpu1: 16/0 13/0 13/0; actor1@cpu1: 2/0; rcu (kthread last)").
TEST(Dpor, AWaitMadeTrueInsideASameCpuSectionWhereTheSearchIsPrunedAlsoRunsBeforeTheSection) {
  Program p;
  p.vars = 1;
  p.rcu = true;
  p.rcu_gp_last = true;
  p.actors = {{{Instr::kSynchronize, 0}}, {{Instr::kLocked, 0}}};
  p.cpus = {1, 1};
  // a0 read v0 = 0 after synchronize_rcu returned, a1 then read 0 and wrote 2.
  expect_dpor_reaches(p, "2,|0,|0,|");
}

// A grace period waits for the readers inside a section when it starts, and DPOR orders its wait
// against their outermost rcu_read_unlock only (model::rcu_reader_exits), not against every
// rcu_read_lock and rcu_read_unlock as before: a0 calls synchronize_rcu then writes v1, a1 reads
// v1 in RCU sections. With the wait ordered against every section, DPOR took 14 and 296
// executions for one and three sections (measured 2026-12-06); unbounded DFS exhausts the first
// in 3 668 and not the second in 50 000.
TEST(Dpor, AGracePeriodIsOrderedOnlyAgainstTheReadersItWaitsFor) {
  Program p;
  p.vars = 2;
  p.rcu = true;
  p.actors = {{{Instr::kSynchronize, 0}, {Instr::kWrite, 1}}, {{Instr::kRcuSection, 1}}};
  p.cpus = {0, 1};
  const Compared one = compare(p, 10000);
  ASSERT_EQ(one.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(one.dpor.stop_reason, "space exhausted");
  EXPECT_EQ(one.dpor_outcomes, one.dfs_outcomes);
  EXPECT_EQ(one.dfs_outcomes.size(), 2u);  // a1 read v1 before or after a0's write
  EXPECT_LE(one.dpor.executions, 10u);

  p.actors[1] = {{Instr::kRcuSection, 1}, {Instr::kRcuSection, 1}, {Instr::kRcuSection, 1}};
  auto outcomes = std::make_shared<std::set<std::string>>();
  const auto three = scenario_of(p, outcomes);
  const sim::RunReport r = explore(three, "dpor");
  ASSERT_EQ(r.stop_reason, "space exhausted");
  // a1's three reads: 0,0,0 / 0,0,1 / 0,1,1 / 1,1,1, whatever the grace period did.
  EXPECT_EQ(outcomes->size(), 4u);
  EXPECT_LE(r.executions, 148u);
}

// Two readers in a section when the grace period starts: its wait needs an exit of each, so the
// first reader's exit cannot be reversed with it, whichever reader's exit comes between (DPOR used
// to try both orders of the two independent exits for it, and sleep sets cut the second short).
// a0 calls synchronize_rcu then reads v0; a1 and a2 read v1 in a section each.
TEST(Dpor, AGracePeriodWaitingForTwoReadersIsNotReversedWithTheFirstExit) {
  Program p;
  p.vars = 2;
  p.rcu = true;
  p.actors = {{{Instr::kSynchronize, 1}}, {{Instr::kRcuLock, 0}, {Instr::kWrite, 1}, {Instr::kRcuUnlock, 0}},
              {{Instr::kRcuLock, 0}, {Instr::kWrite, 1}, {Instr::kRcuUnlock, 0}}};
  p.cpus = {0, 1, 2};
  auto outcomes = std::make_shared<std::set<std::string>>();
  const auto s = scenario_of(p, outcomes);
  const sim::RunReport r = explore(s, "dpor");
  ASSERT_EQ(r.stop_reason, "space exhausted");
  // The final v1 (a1's or a2's write) and what a0 read after its grace period: 0 (neither reader
  // had begun), 2 or 3.
  EXPECT_EQ(outcomes->size(), 6u);
  // 149 executions (9 cut short by sleep sets) before, 141 (1) now (measured 2026-12-06).
  EXPECT_LE(r.executions, 141u);
  EXPECT_LE(r.metrics.pruned, 1u);
}

// Records, per execution, whether the grace period started while reader `reader` was in its first
// section and its wait for readers ended between that reader's first and second rcu_read_unlock
// (an order of dependent steps, so every execution of one class agrees on it).
class GracePeriodBetweenExits final : public sim::Observer {
public:
  GracePeriodBetweenExits(model::ActorId gp, model::ActorId reader, std::shared_ptr<std::set<std::string>> seen,
                          std::shared_ptr<uint64_t> hits)
      : gp_(gp), reader_(reader), seen_(std::move(seen)), hits_(std::move(hits)) {}
  void on_event(sim::Execution&, const sim::Event& e) override {
    if (e.actor == gp_ && e.label == "rcu_gp_init") inside_at_start_ = entries_ == 1 && exits_ == 0;
    if (e.actor == reader_ && e.op == model::Op::kRcuLock) ++entries_;
    if (e.actor == reader_ && e.op == model::Op::kRcuUnlock) ++exits_;
    if (e.actor == gp_ && e.op == model::Op::kWait && e.label == "rcu_gp: waiting for readers" && inside_at_start_ &&
        exits_ == 1) {
      hit_ = true;
    }
  }
  void on_end(sim::Execution&) override {
    if (!hit_) return;
    seen_->insert("grace period ended between the exits");
    ++*hits_;
  }

private:
  model::ActorId gp_, reader_;
  std::shared_ptr<std::set<std::string>> seen_;
  std::shared_ptr<uint64_t> hits_;  // executions in the class
  int entries_ = 0, exits_ = 0;
  bool inside_at_start_ = false, hit_ = false;
};

// The first-exit rule (first_exit_since_arrival in sim/strategies/dpor.cpp) skips the race of a
// reader's rcu_read_unlock with the grace period's wait only where that unlock is the reader's
// first since the kthread reached the wait. a1 leaves and re-enters its section while the grace
// period waits for it and for a2: its second exit is not the first, and the class where the wait
// ends between a1's two exits exists (unbounded DFS reaches it: 3.2 s, 2026-12-06). DPOR must
// reach it, and not in every execution. This does not pin the rule down: with every exit taken as
// the first (the check for an earlier exit removed), DPOR still reaches it here, and reaches every
// outcome and this class on 96 variations of the program (docs/performance.md §5).
TEST(Dpor, AGracePeriodCanEndBetweenTheTwoExitsOfAReaderThatReenters) {
  Program p;
  p.vars = 2;
  p.rcu = true;
  p.actors = {{{Instr::kSynchronize, 1}},
              {{Instr::kRcuLock, 0}, {Instr::kRcuUnlock, 0}, {Instr::kRcuLock, 0}, {Instr::kRcuUnlock, 0}},
              {{Instr::kRcuLock, 0}, {Instr::kRcuUnlock, 0}}};
  p.cpus = {0, 1, 2};
  // Every start among the sections: with rule G the start comes before a1's lock, this class is one
  // its outcomes are matched by (empty sections), and the first-exit rule would not be exercised.
  p.rcu_early = false;
  auto outcomes = std::make_shared<std::set<std::string>>();
  auto classes = std::make_shared<std::set<std::string>>();
  auto hits = std::make_shared<uint64_t>(0);
  const test::Lambda s([&p, outcomes, classes, hits](sim::Setup& setup) {
    scenario_of(p, outcomes).build(setup);
    // The kthread is spawned first (actor 0); a1 is actor 2.
    setup.observe(std::make_unique<GracePeriodBetweenExits>(0, 2, classes, hits));
  });
  const sim::RunReport r = explore(s, "dpor");
  ASSERT_EQ(r.stop_reason, "space exhausted");
  EXPECT_EQ(*classes, std::set<std::string>{"grace period ended between the exits"});
  // Not every execution: the observer tells the classes apart (248 executions, measured 2026-12-06).
  EXPECT_GT(r.executions, 2u);
  EXPECT_GT(*hits, 0u);
  EXPECT_LT(*hits, r.executions);
}

}  // namespace
}  // namespace lsmc
