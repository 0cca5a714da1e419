// Strategies: each test states the number of executions it must explore (GenMC style).
#include <gtest/gtest.h>

#include "properties/lifetime.hpp"
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

TEST(Icb, RunsBoundZeroThenOneThenTwoAndEndsExhausted) {
  const auto two = two_actors(2);
  uint64_t sum = 0;
  for (uint64_t b = 0; b <= 2; ++b) sum += explore(two, "dfs", b).executions;
  const auto r = explore(two, "icb", 2);
  EXPECT_EQ(r.stop_reason, "space exhausted");
  EXPECT_EQ(r.executions, sum);
  EXPECT_GT(sum, explore(two, "dfs", 2).executions);  // the earlier rounds are run again
}

TEST(Icb, FindsTheCanaryBeforeDfsAtTheSameBound) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest r;
  r.scenario = c.find("delete-vs-lookup");
  r.config.mutant = "canary";
  r.config.preemption_bound = 2;
  r.config.executions_max = 100000;
  r.observers = properties::default_observers;
  ASSERT_FALSE(sim::resolve_params(*r.scenario, {}, r.params));
  r.config.strategy = "icb";
  const auto icb = sim::run(r);
  r.config.strategy = "dfs";
  const auto dfs = sim::run(r);
  ASSERT_TRUE(icb.failure && dfs.failure);
  EXPECT_LT(icb.executions, dfs.executions);
}

// A bug that needs the writer lowered first and the reader second, below it: x1 < y1 < x2 < y2.
// With two actors of two steps each, only a second change point that puts its actor below the
// first (priority d-2 under d-1, as published) gets back from the reader to the writer while the
// reader still has a step to run.
test::Lambda writer_then_reader() {
  return test::Lambda([](sim::Setup& s) {
    struct State {
      model::ObjectId v = model::kNoObject;
      int value = 0;
      std::vector<int> seen;
    };
    constexpr static std::string_view kFields[] = {"v"};
    constexpr static model::TypeInfo kType{"var", kFields};
    auto& st = s.make<State>();
    st.v = s.env().alloc(kType, "init");
    s.spawn("writer", [&st](model::Env& env) {
      for (int x = 1; x <= 2; ++x) {
        env.write(st.v, 0, "write");
        st.value = x;
      }
    }, {0});
    s.spawn("reader", [&st](model::Env& env) {
      for (int k = 0; k < 2; ++k) {
        env.read(st.v, 0, "read");
        st.seen.push_back(st.value);
      }
    }, {1});
    s.at_end([&st](model::Env& env) {
      env.check(st.seen != std::vector<int>{1, 2}, "assertion", "the reader saw both writes");
    });
  });
}

TEST(Pct, LaterChangePointsLowerBelowEarlierOnes) {
  const auto s = writer_then_reader();
  sim::RunRequest r;
  r.scenario = &s;
  r.config.strategy = "pct";
  r.config.pct_depth = 3;
  r.config.executions_max = 20000;
  ASSERT_FALSE(sim::resolve_params(s, {}, r.params));
  const auto report = sim::run(r);
  ASSERT_EQ(report.outcome, sim::Outcome::kViolation) << report.executions << " executions";
  // Depth 3 (three orderings): the guarantee 1/(n k^2) with n=2, k=6 is 1/72 per run.
  EXPECT_LT(report.executions, 2000u);
}

TEST(Pct, FindsTheGenericBugs) {
  const sim::Catalog c = test::catalog();
  for (const char* bad : {"lost-update", "lock-inversion"}) {
    EXPECT_EQ(explore(*c.find(bad), "pct").outcome, sim::Outcome::kViolation) << bad;
  }
}

}  // namespace
}  // namespace lsmc

namespace lsmc {
namespace {

sim::RunReport campaign(const sim::Catalog& c, const std::string& mutant, const std::string& scenario,
                        uint64_t jobs, uint64_t executions = 20000) {
  sim::RunRequest r;
  r.scenario = c.find(scenario);
  r.config.mutant = mutant;
  r.config.jobs = jobs;
  r.config.executions_max = executions;
  r.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(*r.scenario, {}, r.params));
  return sim::run(r);
}

// The finding of a seed range is the lowest failing index, whatever the number of workers.
TEST(Campaign, FindingDoesNotDependOnJobs) {
  const sim::Catalog c = test::catalog();
  for (const auto& [mutant, scenario] : std::vector<std::pair<std::string, std::string>>{
           {"canary", "delete-vs-lookup"}, {"cache-fill-without-recheck", "delete-vs-cachefill"},
           {"unlocked-increment", "lost-update-locked"}}) {
    const auto one = campaign(c, mutant, scenario, 1);
    ASSERT_TRUE(one.failure.has_value()) << mutant;
    for (uint64_t jobs : {2u, 3u}) {
      const auto many = campaign(c, mutant, scenario, jobs);
      ASSERT_TRUE(many.failure.has_value()) << mutant << " jobs " << jobs;
      EXPECT_EQ(many.failure->index, one.failure->index) << mutant << " jobs " << jobs;
      EXPECT_EQ(many.failure->verdict, one.failure->verdict);
      EXPECT_EQ(many.failure->events, one.failure->events);
    }
  }
}

TEST(Campaign, JobsRunEveryIndexWhenNothingIsFound) {
  const sim::Catalog c = test::catalog();
  const auto r = campaign(c, "", "lock-ordered", 3, 1000);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound);
  EXPECT_EQ(r.executions, 1000u);
}

TEST(Campaign, ShardsMergeToTheUnshardedFinding) {
  const std::string dir = test::temp_dir("shards");
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const auto r = test::run_lsmc("explore --mutant canary --json --shard " + std::to_string(i) + "/3", dir);
    test::write_file(dir + "/s" + std::to_string(i) + ".json", r.out);
    files += " s" + std::to_string(i) + ".json";
  }
  const auto whole = test::run_lsmc("explore --mutant canary", dir);
  const auto merged = test::run_lsmc("merge" + files, dir);
  EXPECT_EQ(merged.code, 1) << merged.out << merged.err;
  const auto at = whole.out.find("in execution ");
  ASSERT_NE(at, std::string::npos) << whole.out;
  const std::string index = whole.out.substr(at, whole.out.find(' ', at + 13) - at);
  EXPECT_NE(merged.out.find(index), std::string::npos) << merged.out << " vs " << index;
  EXPECT_NE(merged.out.find("merged 3 of 3 shards"), std::string::npos) << merged.out;
}

TEST(Campaign, BadCampaignFlagsAreUsageErrors) {
  EXPECT_EQ(test::run_lsmc("explore --scenario lost-update --shard 3/3").code, 2);
  EXPECT_EQ(test::run_lsmc("explore --scenario lost-update --shard banana").code, 2);
  EXPECT_EQ(test::run_lsmc("explore --scenario lost-update --jobs 2 --strategy pct").code, 2);
  EXPECT_EQ(test::run_lsmc("merge /no/such.json").code, 2);
}

}  // namespace
}  // namespace lsmc
