// explore --checkpoint FILE: the command a job engine reruns unchanged (after a preemption or a
// time limit) goes on from FILE when it exists and keeps FILE up to date whenever a run ends
// without a finding; rerun until it exits 0, it ends with the uninterrupted search's report, and a
// rerun after that reports it again at once. Options it cannot go with are exit 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/util.hpp"

namespace lsmc {
namespace {

const std::string kSearch = "explore --scenario fork-copies --strategy dpor --json";

// The fields in which a resumed search's last report equals the uninterrupted one's.
void expect_same_search(const nlohmann::json& got, const nlohmann::json& whole) {
  for (const char* field : {"stop_reason", "outcome", "executions", "steps", "context_switches", "probe_hits"}) {
    EXPECT_EQ(got[field], whole[field]) << field;
  }
}

TEST(CheckpointCli, TheSameCommandRerunAfterEachSignalEndsWithTheUninterruptedReport) {
  const std::string dir = test::temp_dir("checkpoint-signal");
  const auto whole = test::run_lsmc(kSearch, dir);
  ASSERT_EQ(whole.code, 0) << whole.out << whole.err;
  const auto w = nlohmann::json::parse(whole.out);
  ASSERT_EQ(w["stop_reason"], "space exhausted");
  const std::string command = kSearch + " --checkpoint 'a place' --interrupt-after 100";
  auto r = test::run_lsmc(command, dir);
  int reruns = 0;
  for (; r.code == 130 && reruns < 20; ++reruns) {
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["checkpoint"], "a place");
    EXPECT_EQ(j["resume_command"].get<std::string>().find("--resume"), std::string::npos) << j["resume_command"];
    EXPECT_TRUE(std::filesystem::exists(dir + "/a place"));
    EXPECT_FALSE(std::filesystem::exists(dir + "/a place.next"));
    r = test::run_lsmc(command, dir);  // unchanged, as a job engine reruns it
  }
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_GE(reruns, 4);  // 445 executions, 100 a run
  expect_same_search(nlohmann::json::parse(r.out), w);
  // Done: the file now says so, and the same command reports it without running anything (were
  // there one execution left to run, --interrupt-after 1 would stop it: exit 130).
  const auto again = test::run_lsmc(kSearch + " --checkpoint 'a place' --interrupt-after 1", dir);
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  expect_same_search(nlohmann::json::parse(again.out), w);
  EXPECT_FALSE(std::filesystem::exists(dir + "/lsmc-out")) << "--checkpoint writes only its own file";
}

TEST(CheckpointCli, ABudgetEndedRunKeepsItsPlaceForALargerBudget) {
  const std::string dir = test::temp_dir("checkpoint-budget");
  const auto w = nlohmann::json::parse(test::run_lsmc(kSearch, dir).out);
  const std::string command = kSearch + " --checkpoint place";
  const auto first = test::run_lsmc(command + " --executions 100", dir);
  ASSERT_EQ(first.code, 0) << first.out << first.err;
  EXPECT_EQ(nlohmann::json::parse(first.out)["executions"], 100);
  // Went on from the 100: stopped 150 executions later, at 250 (from scratch it would be 150).
  const auto second = test::run_lsmc(command + " --executions 300 --interrupt-after 150", dir);
  ASSERT_EQ(second.code, 130) << second.out << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["executions"], 250);
  const auto last = test::run_lsmc("explore --scenario fork-copies --strategy dpor --checkpoint place", dir);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  EXPECT_NE(last.out.find("result: nothing found: all " + w["executions"].dump() + " executions explored"),
            std::string::npos) << last.out;
  EXPECT_NE(last.out.find("  checkpoint: place (the same command reports this at once)"), std::string::npos) << last.out;
}

TEST(CheckpointCli, WhatItCannotGoWithIsExit2) {
  const std::string dir = test::temp_dir("checkpoint-bad");
  test::expect_usage_error("explore --scenario fork-copies --strategy pct --checkpoint f", "--first-execution", dir);
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --checkpoint f --resume g", "not both", dir);
  test::expect_usage_error("explore --all --strategy dpor --checkpoint f", "--all-from N --resume FILE", dir);
  test::expect_usage_error("explore --mutant cache-fill-without-recheck --strategy dpor --checkpoint f", "give its --scenario", dir);
  test::write_file(dir + "/damaged", "{\"format\":");
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --checkpoint damaged", "not a usable checkpoint", dir);
  // Another search's file is refused, not overwritten.
  ASSERT_EQ(test::run_lsmc("explore --scenario single-cpu --strategy dpor --checkpoint other --executions 5", dir).code, 0);
  const std::string before = test::read_file(dir + "/other");
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --checkpoint other", "its scenario is", dir);
  EXPECT_EQ(test::read_file(dir + "/other"), before);
  // A file it cannot write: the report, then one line and exit 2.
  const auto unwritable = test::run_lsmc("explore --scenario fork-copies --strategy dpor --executions 5 --checkpoint no/dir/f", dir);
  EXPECT_EQ(unwritable.code, 2) << unwritable.out << unwritable.err;
  EXPECT_EQ(unwritable.err, "lsmc: cannot write the checkpoint no/dir/f\n");
}

}  // namespace
}  // namespace lsmc
