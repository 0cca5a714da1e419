// DPOR's rules H and L (sim/strategies/dpor.cpp): a race whose reversal stands for no execution is
// not reversed: one that needs a grace period to end while a reader it found inside a section
// stays there (H), or a lock that the first step's actor holds (L). tests/test_dpor_properties.cpp
// checks both on random programs.
#include <gtest/gtest.h>

#include "tests/dpor_programs.hpp"

namespace lsmc {
namespace {

using namespace dpor_test;

// A reader reads v0 inside a section; call_rcu's callback writes v0 (51). DPOR's first execution
// runs the reader's read, then the grace period, then the callback: the read races with the
// callback's write, and the reversal would need the grace period, started after the read, to end
// before the reader leaves. Without rule H that branch runs until only the reader, asleep, is
// left, and sleep sets prune it.
TEST(DporInfeasible, AReadInsideASectionIsNotReversedWithACallbackOfAGracePeriodThatWaitsForIt) {
  Program p;
  p.vars = 1;
  p.rcu = true;
  p.actors = {{{Instr::kRcuLock, 0}, {Instr::kRead, 0}, {Instr::kRcuUnlock, 0}}, {{Instr::kCallRcu, 0}}};
  p.cpus = {0, 1};
  const Compared c = compare(p, 100000);
  ASSERT_EQ(c.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(c.dpor.stop_reason, "space exhausted");
  EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes);
  EXPECT_EQ(c.dpor.metrics.pruned, 0u);  // 1 of 6 executions without rule H
  EXPECT_EQ(c.dpor.executions, 5u);
}

// Reads outside any section race with the callback's write, and are reversed: the grace period
// waits for no one there. Found by DporProperties against a rule H that did not ask whether the
// reader is inside a section (it missed the outcome where actor 0 reads the callback's 52).
TEST(DporInfeasible, AReadOutsideASectionIsStillReversedWithTheCallback) {
  Program p;
  p.vars = 1;
  p.rcu = true;
  p.rcu_gp_last = true;
  p.actors = {{{Instr::kRead, 0}}, {{Instr::kRead, 0}, {Instr::kCallRcu, 0}}};
  p.cpus = {0, 0};
  const Compared c = compare(p, 100000);
  ASSERT_EQ(c.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(c.dpor.stop_reason, "space exhausted");
  EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes);
  EXPECT_EQ(c.dfs_outcomes.count("52,|52,|0,|"), 1u);
}

// Three actors each take one lock, read and write v0 inside and release it. A read inside one
// section races with the write inside another that came later; the reversal would need the later
// section's lock while the first holds it. Without rule L those branches ran until only the
// holder, asleep, was left (6 of 24 executions pruned); the order of the sections is still
// reversed through the races of the acquisitions.
TEST(DporInfeasible, AStepInsideALockSectionIsNotReversedWithAStepOfALaterSection) {
  Program p;
  p.vars = 1;
  p.actors = {{{Instr::kLocked, 0}}, {{Instr::kLocked, 0}}, {{Instr::kLocked, 0}}};
  p.cpus = {0, 1, 2};
  const Compared c = compare(p, 100000);
  ASSERT_EQ(c.dfs.stop_reason, "space exhausted");
  ASSERT_EQ(c.dpor.stop_reason, "space exhausted");
  EXPECT_EQ(c.dpor_outcomes, c.dfs_outcomes);
  EXPECT_EQ(c.dfs_outcomes.size(), 6u);  // the sections' six orders
  EXPECT_EQ(c.dpor.metrics.pruned, 0u);
  EXPECT_EQ(c.dpor.executions, 18u);
}

}  // namespace
}  // namespace lsmc
