// --jobs N with dfs and dpor (sim/resplit.hpp): parts from a queue, a part cut into parts after
// resplit_after executions of its own. What it reports does not depend on N >= 2 nor on timing;
// dfs runs every execution of the plain search once; a failure is the same for any N, and its
// part alone finds it again at the index the report gives.
#include <gtest/gtest.h>

#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

sim::RunRequest request(const std::string& scenario, const std::string& strategy, uint64_t jobs,
                        std::map<std::string, int64_t> params = {}) {
  static const sim::Catalog cat = test::catalog();
  sim::RunRequest r;
  r.scenario = cat.find(scenario);
  EXPECT_NE(r.scenario, nullptr);
  r.config.strategy = strategy;
  r.config.executions_max = 1000000;
  r.config.preemption_bound = 1000000;
  r.config.jobs = jobs;
  r.resplit_after = 5;
  r.split_depth = 3;  // the first 64 parts' depth: these trees are small
  EXPECT_FALSE(sim::resolve_params(*r.scenario, params, r.params));
  return r;
}

void expect_same_report(const sim::RunReport& a, const sim::RunReport& b) {
  EXPECT_EQ(a.stop_reason, b.stop_reason);
  EXPECT_EQ(a.executions, b.executions);
  EXPECT_EQ(a.parts, b.parts);
  EXPECT_EQ(a.parts_resplit, b.parts_resplit);
  EXPECT_EQ(a.executions_resplit, b.executions_resplit);
  EXPECT_EQ(a.metrics.steps, b.metrics.steps);
  EXPECT_EQ(a.metrics.foreign, b.metrics.foreign);
  EXPECT_EQ(a.probe_hits, b.probe_hits);
}

TEST(Resplit, TheReportDoesNotDependOnTheNumberOfJobs) {
  for (const char* strategy : {"dfs", "dpor"}) {
    SCOPED_TRACE(strategy);
    const std::map<std::string, int64_t> params = {{"actors", std::string(strategy) == "dfs" ? 2 : 3}};
    const sim::RunReport two = sim::run(request("lost-update-locked", strategy, 2, params));
    EXPECT_EQ(two.stop_reason, "space exhausted");
    EXPECT_GT(two.parts_resplit, 0u) << "no part was cut: the test tests nothing";
    EXPECT_GT(two.executions_resplit, 0u);
    // Every part that ran is listed, cut or not, and the parts not cut hold the executions.
    EXPECT_EQ(two.parts_run.size(), two.parts + two.parts_resplit);
    uint64_t counted = 0, again = 0;
    for (const sim::RunReport::PartRun& p : two.parts_run) (p.cut ? again : counted) += p.executions;
    EXPECT_EQ(counted, two.executions);
    EXPECT_EQ(again, two.executions_resplit);
    for (uint64_t jobs : {3u, 4u}) expect_same_report(two, sim::run(request("lost-update-locked", strategy, jobs, params)));
  }
}

// DFS's tree does not depend on the split: the parts that were not cut run its executions once.
TEST(Resplit, DfsPartsRunEveryExecutionOfThePlainSearchOnce) {
  sim::RunRequest one = request("lost-update-locked", "dfs", 1, {{"actors", 2}});
  one.split_depth = 0;
  const sim::RunReport plain = sim::run(one);
  const sim::RunReport parts = sim::run(request("lost-update-locked", "dfs", 2, {{"actors", 2}}));
  EXPECT_GT(parts.parts_resplit, 0u);
  ASSERT_EQ(plain.stop_reason, "space exhausted");
  EXPECT_EQ(parts.executions, plain.executions);
  EXPECT_EQ(parts.metrics.steps, plain.metrics.steps);
  EXPECT_EQ(parts.probe_hits, plain.probe_hits);
}

// DPOR's parts expand deeper prefixes; they reach every outcome the plain search does.
TEST(Resplit, DporPartsReachWhatThePlainSearchReaches) {
  const std::map<std::string, int64_t> small = {{"readers", 1}, {"deleters", 1}, {"maps", 1}, {"slots", 1}, {"lookups", 2}};
  sim::RunRequest one = request("cachefill-protocol", "dpor", 1, small);
  one.split_depth = 0;
  const sim::RunReport plain = sim::run(one);
  const sim::RunReport parts = sim::run(request("cachefill-protocol", "dpor", 2, small));
  ASSERT_EQ(plain.stop_reason, "space exhausted");
  EXPECT_EQ(parts.stop_reason, "space exhausted");
  EXPECT_EQ(parts.probes_never_hit, plain.probes_never_hit);
  for (const auto& [probe, hits] : plain.probe_hits) EXPECT_GT(parts.probe_hits.count(probe), 0u) << probe;
}

// The part that holds it replays the failure alone, at the index the report gives.
void expect_its_part_finds_it(const sim::RunRequest& r, const sim::RunReport& report) {
  sim::RunRequest alone = r;
  alone.config.jobs = 1;
  const sim::Split& part = report.split;
  ASSERT_GE(part.levels.size(), 1u);
  alone.config.shard_index = part.levels[0].index;
  alone.config.shard_count = part.levels[0].count;
  alone.split_depth = part.levels[0].depth;
  alone.shard_below.assign(part.levels.begin() + 1, part.levels.end());
  const sim::RunReport again = sim::run(alone);
  ASSERT_TRUE(again.failure.has_value());
  EXPECT_EQ(again.failure->index, report.failure->index);
  EXPECT_EQ(again.failure->decisions, report.failure->decisions);
}

TEST(Resplit, AFailureIsTheSameForAnyNumberOfJobs) {
  for (const char* strategy : {"dfs", "dpor"}) {
    SCOPED_TRACE(strategy);
    const sim::RunRequest r2 = request("lost-update", strategy, 2);
    const sim::RunReport two = sim::run(r2);
    ASSERT_TRUE(two.failure.has_value());
    expect_its_part_finds_it(r2, two);
    for (uint64_t jobs : {3u, 4u}) {
      const sim::RunReport more = sim::run(request("lost-update", strategy, jobs));
      ASSERT_TRUE(more.failure.has_value()) << jobs;
      EXPECT_EQ(more.failure->index, two.failure->index) << jobs;
      EXPECT_EQ(more.failure->decisions, two.failure->decisions) << jobs;
      EXPECT_EQ(more.split, two.split) << jobs;
    }
  }
}

}  // namespace
}  // namespace lsmc
