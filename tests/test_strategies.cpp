// Strategies: each test states the number of executions it must explore (GenMC style).
#include <gtest/gtest.h>

#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

// Two actors with `points` scheduling points each: C(2k+2, k+1) interleavings of their moves.
test::Lambda two_actors(int points) {
  return test::Lambda([points](sim::Setup& s) {
    for (int a = 0; a < 2; ++a) {
      s.spawn("a" + std::to_string(a), [points](model::Env& env) {
        for (int i = 0; i < points; ++i) env.yield("step");
      }, {static_cast<uint16_t>(a)});
    }
  });
}

sim::RunReport explore(const sim::Scenario& s, const std::string& strategy, uint64_t bound = 1000) {
  sim::RunRequest r;
  r.scenario = &s;
  r.config.strategy = strategy;
  r.config.preemption_bound = bound;
  r.config.executions_max = 100000;
  EXPECT_FALSE(sim::resolve_params(s, {}, r.params));
  return sim::run(r);
}

TEST(Dfs, ExploresEveryInterleavingExactlyOnce) {
  const auto one = two_actors(1);
  const auto r1 = explore(one, "dfs");
  EXPECT_EQ(r1.stop_reason, "space exhausted");
  EXPECT_EQ(r1.executions, 6u);  // C(4, 2)
  const auto two = two_actors(2);
  const auto r2 = explore(two, "dfs");
  EXPECT_EQ(r2.stop_reason, "space exhausted");
  EXPECT_EQ(r2.executions, 20u);  // C(6, 3)
}

TEST(Dfs, PreemptionBoundZeroRunsEachActorToCompletion) {
  const auto two = two_actors(2);
  const auto r = explore(two, "dfs", 0);
  EXPECT_EQ(r.stop_reason, "space exhausted");
  EXPECT_EQ(r.executions, 2u);  // who starts; nobody is preempted
}

TEST(Dfs, ExploresEveryDrawValue) {
  test::Lambda s([](sim::Setup& setup) {
    setup.spawn("drawer", [](model::Env& env) { env.choose(3, "which"); });
  });
  const auto r = explore(s, "dfs");
  EXPECT_EQ(r.stop_reason, "space exhausted");
  EXPECT_EQ(r.executions, 3u);
}

TEST(Dfs, FindsTheGenericBugsAndExhaustsTheCorrectVariants) {
  const sim::Catalog c = test::catalog();
  for (const char* bad : {"lost-update", "lock-inversion"}) {
    EXPECT_EQ(explore(*c.find(bad), "dfs", 2).outcome, sim::Outcome::kViolation) << bad;
  }
  for (const char* good : {"lost-update-locked", "lock-ordered"}) {
    const auto r = explore(*c.find(good), "dfs", 2);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << good;
    EXPECT_EQ(r.stop_reason, "space exhausted") << good;
  }
}

TEST(Pct, FindsTheGenericBugs) {
  const sim::Catalog c = test::catalog();
  for (const char* bad : {"lost-update", "lock-inversion"}) {
    EXPECT_EQ(explore(*c.find(bad), "pct").outcome, sim::Outcome::kViolation) << bad;
  }
}

}  // namespace
}  // namespace lsmc
