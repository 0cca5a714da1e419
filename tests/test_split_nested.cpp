// Parts of parts (explore --shard I/N:J/M with dfs and dpor): the M parts of part P together run
// exactly what P runs below the deeper depth, none twice, and lsmc merge counts P covered when it
// was exhausted or all M of its parts were, and names what is missing otherwise.
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
std::multiset<std::string> owned_executions(const sim::Scenario& s, const sim::Params& params, sim::Strategy& strategy) {
  sim::Engine engine(sim::Config{});
  std::multiset<std::string> out;
  for (uint64_t runs = 0; runs < 200000; ++runs) {
    const sim::Verdict& v = engine.run(s, params, strategy, {}, runs);
    const bool more = engine.execution().strategy_has_more();
    if (strategy.owns_execution()) {
      std::string key = std::string(sim::to_string(v.kind)) + ":";
      for (const sim::Decision& d : engine.execution().decisions()) key += " " + std::to_string(d.value);
      out.insert(key);
    }
    if (!more) break;
  }
  return out;
}

std::multiset<std::string> executions_of(const std::string& strategy, const sim::Scenario& s, const sim::Params& params,
                                         std::vector<sim::SplitLevel> levels) {
  auto st = sim::make_strategy(strategy, 1, 3, 2, sim::Split(std::move(levels)));
  return owned_executions(s, params, *st);
}

// Part `part` of 3 at `depth`, cut again into 3 at depth + 2: the three sub-parts run exactly the
// part's executions below depth + 2 (one more level of one part), none twice; dfs's tree does not
// depend on the split, so for it they are the part's own.
void expect_sub_parts_make_the_part(const char* scenario, std::map<std::string, int64_t> values,
                                    const std::string& strategy, uint32_t depth) {
  SCOPED_TRACE(std::string(scenario) + " " + strategy + " depth " + std::to_string(depth));
  const sim::Catalog cat = test::catalog();
  const sim::Scenario& s = *cat.find(scenario);
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(s, values, params));
  const uint32_t deeper = depth + 2;
  std::multiset<std::string> all_parts;
  for (uint64_t part = 0; part < 3; ++part) {
    const auto below = executions_of(strategy, s, params, {{part, 3, depth}, {0, 1, deeper}});
    std::multiset<std::string> together;
    uint64_t with_work = 0;
    for (uint64_t j = 0; j < 3; ++j) {
      const auto mine = executions_of(strategy, s, params, {{part, 3, depth}, {j, 3, deeper}});
      with_work += mine.empty() ? 0 : 1;
      together.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(together, below) << "part " << part;
    if (strategy == "dfs") {
      EXPECT_EQ(together, executions_of(strategy, s, params, {{part, 3, depth}})) << "part " << part;
    }
    if (below.size() >= 30) {
      EXPECT_GE(with_work, 2u) << "part " << part << ": the cut put everything in one sub-part";
    }
    all_parts.insert(below.begin(), below.end());
  }
  // And the parts below the deeper depth are the whole search below it.
  EXPECT_EQ(all_parts, executions_of(strategy, s, params, {{0, 1, deeper}}));
}

TEST(SplitNested, PartsOfAPartTogetherRunExactlyThePartBelowTheDeeperDepth) {
  for (const char* strategy : {"dfs", "dpor"}) {
    for (uint32_t depth : {1u, 3u}) {
      expect_sub_parts_make_the_part("lost-update-locked", {{"actors", 3}}, strategy, depth);
      expect_sub_parts_make_the_part("lock-inversion", {}, strategy, depth);
    }
  }
}

json explore_json(const std::string& args, const std::string& dir) {
  const auto r = test::run_lsmc("explore --json " + args, dir);
  EXPECT_EQ(r.code, 0) << args << "\n" << r.out << r.err;
  return json::parse(r.out);
}

const std::string kSearch = "--scenario lost-update-locked --param actors=3 --strategy dpor";

// Shards 0 and 2 of 3 whole, shard 1 as its 4 parts below depth 6; returns the file names.
std::string write_parts(const std::string& dir) {
  std::string files;
  for (int i : {0, 2}) {
    const std::string name = "p" + std::to_string(i) + ".json";
    test::write_file(dir + "/" + name, explore_json(kSearch + " --split-depth 3 --shard " + std::to_string(i) + "/3", dir).dump());
    files += " " + name;
  }
  for (int j = 0; j < 4; ++j) {
    const std::string name = "q" + std::to_string(j) + ".json";
    const json part = explore_json(kSearch + " --split-depth 3:6 --shard 1/3:" + std::to_string(j) + "/4", dir);
    EXPECT_EQ(part["stop_reason"], "space exhausted");
    EXPECT_EQ(part["split"].size(), 2u);
    test::write_file(dir + "/" + name, part.dump());
    files += " " + name;
  }
  return files;
}

TEST(SplitNested, MergeCountsAPartCoveredWhenAllItsPartsAre) {
  const std::string dir = test::temp_dir("split-nested-merge");
  const std::string files = write_parts(dir);
  auto m = test::run_lsmc("merge --json" + files, dir);
  ASSERT_EQ(m.code, 0) << m.out << m.err;
  json merged = json::parse(m.out);
  EXPECT_EQ(merged["stop_reason"], "space exhausted");
  uint64_t sum = 0;
  for (const char* f : {"p0", "p2", "q0", "q1", "q2", "q3"}) sum += json::parse(test::read_file(dir + "/" + f + ".json"))["executions"].get<uint64_t>();
  EXPECT_EQ(merged["executions"], sum);
  // Shard 1's own unfinished result, given too, is replaced by its parts: not counted.
  const auto cut = test::run_lsmc("explore --json " + kSearch + " --split-depth 3 --shard 1/3 --interrupt-after 5", dir);
  ASSERT_EQ(cut.code, 130) << cut.out << cut.err;
  test::write_file(dir + "/p1.json", cut.out);
  m = test::run_lsmc("merge --json p1.json" + files, dir);
  ASSERT_EQ(m.code, 0) << m.out << m.err;
  merged = json::parse(m.out);
  EXPECT_EQ(merged["stop_reason"], "space exhausted");
  EXPECT_EQ(merged["executions"], sum);
  EXPECT_EQ(merged["executions_superseded"], 5);
}

TEST(SplitNested, MergeNamesAMissingOrUnfinishedPartOfAPart) {
  const std::string dir = test::temp_dir("split-nested-missing");
  write_parts(dir);
  const auto missing = test::run_lsmc("merge p0.json p2.json q0.json q1.json q3.json", dir);
  EXPECT_EQ(missing.code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("parts missing: 1/3:2/4"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out.find("space exhausted"), std::string::npos) << missing.out;
  // A sub-part stopped by its budget: nothing found, not exhausted, and named.
  json q2 = json::parse(test::read_file(dir + "/q2.json"));
  q2["stop_reason"] = "executions_max";
  test::write_file(dir + "/q2.json", q2.dump());
  const auto cut = test::run_lsmc("merge p0.json p2.json q0.json q1.json q2.json q3.json", dir);
  EXPECT_EQ(cut.code, 0) << cut.out << cut.err;
  EXPECT_NE(cut.out.find("not every shard exhausted its part: 1/3:2/4 did not"), std::string::npos) << cut.out;
  // Shard 1 cut two ways: refused.
  test::write_file(dir + "/r.json", explore_json(kSearch + " --split-depth 3:8 --shard 1/3:0/2", dir).dump());
  const auto twice = test::run_lsmc("merge p0.json p2.json q0.json q1.json q2.json q3.json r.json", dir);
  EXPECT_EQ(twice.code, 2) << twice.out << twice.err;
  EXPECT_NE(twice.err.find("part 1/3 is cut two ways"), std::string::npos) << twice.err;
}

TEST(SplitNested, BadPartsAreExit2WithOneMessage) {
  for (const char* args : {"--shard 1/3:4/4", "--shard 1/3:0/1", "--shard 1/3:", "--shard 1/3:0/2 --split-depth 8:8",
                           "--shard 1/3:0/2 --split-depth 8:9:10", "--shard 1/3:0/2 --strategy random"}) {
    const auto r = test::run_lsmc("explore --scenario lost-update-locked --strategy dpor " + std::string(args));
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
  }
}

// A checkpoint carries the part of a part: the same command goes on from it, another part's
// command is refused.
TEST(SplitNested, ACheckpointOfAPartOfAPartResumesItAndNoOtherPart) {
  const std::string dir = test::temp_dir("split-nested-checkpoint");
  const std::string part = kSearch + " --split-depth 3:6 --shard 1/3:2/4";
  const json whole = explore_json(part, dir);
  const std::string command = "explore --json " + part + " --checkpoint place";
  auto r = test::run_lsmc(command + " --interrupt-after 5", dir);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  const auto other = test::run_lsmc("explore " + kSearch + " --split-depth 3 --shard 1/3 --checkpoint place", dir);
  EXPECT_EQ(other.code, 2) << other.out << other.err;
  EXPECT_NE(other.err.find("another search"), std::string::npos) << other.err;
  r = test::run_lsmc(command, dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json done = json::parse(r.out);
  EXPECT_EQ(done["executions"], whole["executions"]);
  EXPECT_EQ(done["stop_reason"], "space exhausted");
}

}  // namespace
}  // namespace lsmc
