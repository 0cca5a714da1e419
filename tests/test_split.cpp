// Split tree searches (sim::Split; explore --jobs/--shard with dfs and dpor): the parts' executions
// together are exactly the executions of the split search run whole, none twice, and lsmc merge
// says exhausted only when every shard was.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using nlohmann::json;

// Every execution a strategy owns, until it has nothing left, as its decisions and verdict.
std::multiset<std::string> owned_executions(const sim::Scenario& s, const sim::Params& params, sim::Strategy& strategy,
                                            uint64_t* all_runs = nullptr) {
  sim::Engine engine(sim::Config{});
  std::multiset<std::string> out;
  uint64_t runs = 0;
  for (bool more = true; more && runs < 200000; ++runs) {
    const sim::Verdict& v = engine.run(s, params, strategy, {}, runs);
    more = engine.execution().strategy_has_more();
    if (!strategy.owns_execution()) continue;
    std::string key = std::string(sim::to_string(v.kind)) + ":";
    for (const sim::Decision& d : engine.execution().decisions()) key += " " + std::to_string(d.value);
    out.insert(key);
  }
  if (all_runs != nullptr) *all_runs = runs;
  return out;
}

struct Case {
  const char* scenario;
  std::map<std::string, int64_t> params;
};

void expect_parts_make_the_whole(const Case& c, const std::string& strategy, uint32_t depth, uint64_t parts) {
  SCOPED_TRACE(std::string(c.scenario) + " " + strategy + " depth " + std::to_string(depth));
  const sim::Catalog cat = test::catalog();
  const sim::Scenario& s = *cat.find(c.scenario);
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(s, c.params, params));
  auto whole_strategy = sim::make_strategy(strategy, 1, 3, 2, {0, 1, depth});
  const auto whole = owned_executions(s, params, *whole_strategy);
  ASSERT_GE(whole.size(), 2u);
  std::multiset<std::string> together;
  uint64_t parts_with_work = 0;
  for (uint64_t i = 0; i < parts; ++i) {
    auto part = sim::make_strategy(strategy, 1, 3, 2, {i, parts, depth});
    const auto mine = owned_executions(s, params, *part);
    parts_with_work += mine.empty() ? 0 : 1;
    together.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(together, whole);  // the same executions, none run by two parts
  if (depth >= 3 && whole.size() >= 100) {
    EXPECT_GE(parts_with_work, 2u) << "the split put everything in one part";
  }
}

TEST(Split, PartsTogetherRunExactlyTheWholeSearch) {
  const Case cases[] = {{"lost-update-locked", {{"actors", 3}}}, {"lock-inversion", {}}, {"lock-ordered", {}}};
  for (const Case& c : cases) {
    for (const char* strategy : {"dfs", "dpor"}) {
      for (uint32_t depth : {1u, 3u}) expect_parts_make_the_whole(c, strategy, depth, 3);
    }
  }
}

// DFS's tree does not depend on the split: run whole, the split search is plain DFS.
TEST(Split, DfsSplitWholeIsPlainDfs) {
  const sim::Catalog cat = test::catalog();
  const sim::Scenario& s = *cat.find("lost-update-locked");
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(s, {{"actors", 3}}, params));
  auto plain = sim::make_strategy("dfs", 1, 3, 2);
  auto split = sim::make_strategy("dfs", 1, 3, 2, {0, 1, 4});
  EXPECT_EQ(owned_executions(s, params, *plain), owned_executions(s, params, *split));
}

json explore_json(const std::string& args, const std::string& dir) {
  const auto r = test::run_lsmc("explore --json " + args, dir);
  EXPECT_EQ(r.code, 0) << args << "\n" << r.out << r.err;
  return json::parse(r.out);
}

TEST(Split, MergeSaysExhaustedOnlyWhenEveryShardWas) {
  const std::string dir = test::temp_dir("split-merge");
  const std::string args = "--scenario lost-update-locked --param actors=3 --strategy dpor --split-depth 3";
  const json whole = explore_json(args, dir);
  ASSERT_EQ(whole["stop_reason"], "space exhausted");
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const std::string name = "p" + std::to_string(i) + ".json";
    test::write_file(dir + "/" + name, explore_json(args + " --shard " + std::to_string(i) + "/3", dir).dump());
    files += " " + name;
  }
  const auto m = test::run_lsmc("merge --json" + files, dir);
  ASSERT_EQ(m.code, 0) << m.out << m.err;
  const json merged = json::parse(m.out);
  EXPECT_EQ(merged["stop_reason"], "space exhausted");
  EXPECT_EQ(merged["executions"], whole["executions"]);
  // One shard stopped by its budget (as --executions or --seconds would): not exhausted.
  json cut_shard = explore_json(args + " --shard 1/3", dir);
  cut_shard["stop_reason"] = "executions_max";
  test::write_file(dir + "/p1.json", cut_shard.dump());
  const auto cut = test::run_lsmc("merge" + files, dir);
  EXPECT_EQ(cut.code, 0) << cut.out << cut.err;
  EXPECT_NE(cut.out.find("not every shard exhausted its part"), std::string::npos) << cut.out;
  // Threads cut their own parts (sim/resplit.hpp): exhausted too.
  const json jobs = explore_json(args + " --jobs 3", dir);
  EXPECT_EQ(jobs["stop_reason"], "space exhausted");
}

}  // namespace
}  // namespace lsmc
