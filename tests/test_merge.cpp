// lsmc merge (issue 14): a merged campaign reports what one machine would have, and a shard file
// that is not what explore --json writes is one clear message and exit 2, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/util.hpp"
#include "tools/merge.hpp"

namespace lsmc {
namespace {

using nlohmann::json;
using test::run_lsmc;

// explore --json, run in `dir`.
json explore_json(const std::string& args, const std::string& dir, int expected_code) {
  const auto r = run_lsmc("explore --json " + args, dir);
  EXPECT_EQ(r.code, expected_code) << args << "\n" << r.out << r.err;
  return json::parse(r.out);
}

// The fields a merge sums or combines, as a single run reports them.
void expect_same_counts(const json& merged, const json& single) {
  for (const char* key : {"executions", "steps", "context_switches", "probe_hits", "probes_never_hit", "known_hits",
                          "outcome", "exit_code"}) {
    EXPECT_EQ(merged[key], single[key]) << key;
  }
}

// Three shards of `args`, merged; compared with the single run.
void expect_merge_equals_single_run(const std::string& args, const std::string& dir) {
  SCOPED_TRACE(args);
  const json single = explore_json(args, dir, 0);
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const std::string name = "s" + std::to_string(i) + ".json";
    test::write_file(dir + "/" + name, explore_json(args + " --shard " + std::to_string(i) + "/3", dir, 0).dump());
    files += " " + name;
  }
  const auto m = run_lsmc("merge --json" + files, dir);
  ASSERT_EQ(m.code, 0) << m.out << m.err;
  const json merged = json::parse(m.out);
  expect_same_counts(merged, single);
  EXPECT_FALSE(single["probe_hits"].empty()) << "the scenario must hit probes for this test to mean something";
}

TEST(Merge, MergedShardsReportWhatTheSingleRunReports) {
  const std::string dir = test::temp_dir("merge-sums");
  expect_merge_equals_single_run("--scenario trace-not-rcu --executions 600", dir);
  expect_merge_equals_single_run("--scenario trace-not-rcu --executions 600 --set determinism_check_every=7", dir);
}

TEST(Merge, DeterminismCheckDoesNotCountTheRepeatedExecutions) {
  const std::string dir = test::temp_dir("merge-determinism");
  const json plain = explore_json("--scenario trace-not-rcu --executions 300", dir, 0);
  const json checked = explore_json("--scenario trace-not-rcu --executions 300 --set determinism_check_every=2", dir, 0);
  expect_same_counts(checked, plain);
  const json jobs = explore_json("--scenario trace-not-rcu --executions 300 --jobs 3", dir, 0);
  expect_same_counts(jobs, plain);
}

TEST(Merge, TheFindingIsTheLowestFailingExecutionOfAnyShard) {
  const std::string dir = test::temp_dir("merge-finding");
  const json single = explore_json("--scenario lost-update --trace-out one.trace", dir, 1);
  std::string files;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    test::write_file(dir + "/s" + n + ".json",
                     explore_json("--scenario lost-update --shard " + n + "/3 --trace-out s" + n + ".trace", dir, 1).dump());
    files += " s" + n + ".json";
  }
  const auto m = run_lsmc("merge --json" + files, dir);
  ASSERT_EQ(m.code, 1) << m.out << m.err;
  const json merged = json::parse(m.out);
  EXPECT_EQ(merged["execution"], single["execution"]);
  EXPECT_EQ(merged["verdict"], single["verdict"]);
  const auto t = run_lsmc("merge" + files, dir);
  EXPECT_EQ(t.code, 1) << t.out << t.err;
  EXPECT_NE(t.out.find("in execution " + single["execution"].dump()), std::string::npos) << t.out;
}

// A shard file edited by hand (or by an attacker): `edit` changes one field of a real result.
class MergeHostile : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = test::temp_dir("merge-hostile");
    shard0_ = explore_json("--scenario lock-ordered --executions 100 --shard 0/2", dir_, 0);
    shard1_ = explore_json("--scenario lock-ordered --executions 100 --shard 1/2", dir_, 0);
    test::write_file(dir_ + "/s1.json", shard1_.dump());
  }
  // Merges shard 0 with `edited` applied, and shard 1: exit 2, `needle` on stderr, no crash.
  void expect_refused(const std::function<void(json&)>& edit, const std::string& needle) {
    json j = shard0_;
    edit(j);
    test::write_file(dir_ + "/s0.json", j.dump());
    for (const char* flag : {"", " --json"}) {
      const auto r = run_lsmc(std::string("merge") + flag + " s0.json s1.json", dir_);
      EXPECT_EQ(r.code, 2) << needle << "\n" << r.out << r.err;
      EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
      EXPECT_LT(r.out.size() + r.err.size(), 2000u) << "a bounded message";
    }
  }
  std::string dir_;
  json shard0_, shard1_;
};

TEST_F(MergeHostile, ShardIndexOutOfItsCountIsRefused) {
  for (const json& index : {json(2), json(100), json(1000000), json(UINT64_MAX)}) {
    expect_refused([&](json& j) { j["shard_index"] = index; }, "shard_index");
  }
}

TEST_F(MergeHostile, HugeShardCountsAreRefusedAtOnce) {
  for (const json& count : {json(4000000000ULL), json(UINT64_MAX), json(0)}) {
    expect_refused([&](json& j) { j["shard_count"] = count; }, "shard_count");
  }
}

TEST_F(MergeHostile, NumbersMustBeNonNegativeIntegers) {
  expect_refused([](json& j) { j["executions"] = -5; }, "executions");
  expect_refused([](json& j) { j["executions"] = "12"; }, "executions");
  expect_refused([](json& j) { j["executions"] = 1.5; }, "executions");
  expect_refused([](json& j) { j["steps"] = "many"; }, "steps");
  expect_refused([](json& j) { j["seed"] = -1; }, "seed");
  expect_refused([](json& j) { j["probe_hits"] = json{{"p", -1}}; }, "probe_hits");
  expect_refused([](json& j) { j["scenario"] = 7; }, "scenario");
  expect_refused([](json& j) { j = json::array(); }, "not an 'lsmc explore --json' result");
  expect_refused([](json& j) { j.erase("outcome"); }, "outcome");
  expect_refused([](json& j) { j["executions"] = 1000; }, "executions");  // more than its shard has
}

TEST_F(MergeHostile, AFindingsCommandsMustBeLsmcsOwn) {
  const json finding = explore_json("--scenario lost-update --shard 0/2 --trace-out t.trace", dir_, 1);
  const json other = explore_json("--scenario lost-update --shard 1/2 --trace-out u.trace", dir_, 1);
  test::write_file(dir_ + "/f1.json", other.dump());
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"replay_command", "lsmc replay t.trace; touch PWNED"},
                                   {"reproduce_command", "lsmc explore $(touch PWNED)"},
                                   {"reproduce_command", "rm -rf ."},
                                   {"trace", "t.trace\x1b]0;pwned\x07"}}) {
    json j = finding;
    j[key] = value;
    test::write_file(dir_ + "/f0.json", j.dump());
    const auto r = run_lsmc("merge f0.json f1.json", dir_);
    EXPECT_EQ(r.code, 2) << key << "=" << value << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("PWNED"), std::string::npos) << r.out;
  }
}

// A user's binary built on lsmc_main prints commands that name it (issue 13): its own shards
// merge when it merges them, and only then; a command naming any other program is still refused.
TEST_F(MergeHostile, AUsersBinaryMergesTheShardsItWrote) {
  json finding = explore_json("--scenario lost-update --shard 0/2 --trace-out t.trace", dir_, 1);
  json other = explore_json("--scenario lost-update --shard 1/2 --trace-out u.trace", dir_, 1);
  // The shards as ./build/sched-queue-check would have written them: the same commands, its name.
  const auto as_user_binary = [](json& j) {
    for (const char* key : {"replay_command", "reproduce_command", "minimized_replay_command"}) {
      if (!j.contains(key)) continue;
      const std::string command = j[key];
      j[key] = "./build/sched-queue-check" + command.substr(command.find(' '));
    }
  };
  as_user_binary(finding);
  as_user_binary(other);
  const std::vector<std::pair<std::string, json>> parts = {{"f0.json", finding}, {"f1.json", other}};
  EXPECT_EQ(cli::merge_results(parts, "sched-queue-check").exit_code, 1);
  EXPECT_THROW(cli::merge_results(parts), cli::MergeError);  // the stock lsmc: not its commands
  EXPECT_THROW(cli::merge_results(parts, "other-check"), cli::MergeError);
  json hostile = finding;
  hostile["replay_command"] = "./build/sched-queue-check replay t.trace; touch PWNED";
  EXPECT_THROW(cli::merge_results({{"f0.json", hostile}, {"f1.json", other}}, "sched-queue-check"), cli::MergeError);
}

TEST_F(MergeHostile, AnIncompleteMergeIsNotAPass) {
  const auto r = run_lsmc("merge s1.json", dir_);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("shard 0 is missing"), std::string::npos) << r.err;
  json wide = shard1_;
  wide["shard_count"] = 1000000;
  wide["shard_index"] = 999999;
  wide["executions"] = 0;
  test::write_file(dir_ + "/wide.json", wide.dump());
  const auto w = run_lsmc("merge wide.json", dir_);
  EXPECT_EQ(w.code, 2) << w.out.substr(0, 500) << w.err.substr(0, 500);
  EXPECT_LT(w.out.size() + w.err.size(), 2000u) << "the missing shards as a range, not a 7 MB line";
  EXPECT_NE(w.err.find("0-999998"), std::string::npos) << w.err.substr(0, 500);
  const auto twice = run_lsmc("merge s1.json s1.json", dir_);
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.err.find("given twice"), std::string::npos) << twice.err;
}

// The fuzzer's seeds and regressions (tests/fuzz_merge: shard results separated by "\n===\n")
// through the real command: merged or refused, never an internal error or a crash.
TEST(Merge, FuzzCorpusIsMergedOrRefused) {
  const std::string dir = test::temp_dir("merge-corpus");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(LSMC_SOURCE_DIR) + "/tests/fuzz_merge")) {
    SCOPED_TRACE(entry.path().string());
    ++files;
    std::string text = test::read_file(entry.path().string()), args = "merge";
    for (int part = 0; !text.empty(); ++part) {
      const std::size_t cut = text.find("\n===\n");
      const std::string name = "p" + std::to_string(part) + ".json";
      test::write_file(dir + "/" + name, text.substr(0, cut));
      args += " " + name;
      text = cut == std::string::npos ? "" : text.substr(cut + 5);
    }
    const auto r = run_lsmc(args, dir);
    EXPECT_TRUE(r.code >= 0 && r.code <= 4) << r.code << r.out << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
  EXPECT_GE(files, 5u);
}

}  // namespace
}  // namespace lsmc
