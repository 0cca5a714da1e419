// Where the command line writes the files it names itself, and report's --json and --data (issue 13): a finding's trace goes to the
// folder --out gives (lsmc-out/ by default, created when needed), never over an earlier finding.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace fs = std::filesystem;
using test::run_lsmc;

constexpr const char* kFinding = "explore --scenario lock-inversion --executions 20 --json";

std::string trace_of(const test::CliResult& r) {
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  return nlohmann::json::parse(r.out).value("trace", std::string());
}

TEST(CliOutDir, AFindingsTraceGoesToLsmcOutByDefault) {
  const std::string dir = test::temp_dir("out-default");
  const std::string trace = trace_of(run_lsmc(kFinding, dir));
  EXPECT_EQ(trace, "lsmc-out/lsmc-lock-inversion-seed1-exec1.trace");
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / trace));
  // Nothing else lands in the current directory.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename() != "lsmc-out";
  EXPECT_EQ(entries, 0u);
}

TEST(CliOutDir, OutNamesTheFolderAndAnEarlierFindingIsKept) {
  const std::string dir = test::temp_dir("out-named");
  const std::string first = trace_of(run_lsmc(std::string(kFinding) + " --out runs/a", dir));
  EXPECT_EQ(first, "runs/a/lsmc-lock-inversion-seed1-exec1.trace");
  const std::string before = test::read_file(dir + "/" + first);
  ASSERT_FALSE(before.empty());
  const std::string second = trace_of(run_lsmc(std::string(kFinding) + " --out runs/a", dir));
  EXPECT_EQ(second, "runs/a/lsmc-lock-inversion-seed1-exec1-2.trace");
  EXPECT_EQ(test::read_file(dir + "/" + first), before);
  // The printed replay command works from where the command ran.
  const auto replay = run_lsmc("replay " + second, dir);
  EXPECT_EQ(replay.code, 1) << replay.out << replay.err;
  EXPECT_NE(replay.out.find("reproduced"), std::string::npos) << replay.out;
}

TEST(CliOutDir, TraceOutStillNamesTheFileItself) {
  const std::string dir = test::temp_dir("out-trace-out");
  const std::string trace = trace_of(run_lsmc(std::string(kFinding) + " --trace-out mine.trace --out elsewhere", dir));
  EXPECT_EQ(trace, "mine.trace");
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "mine.trace"));
  EXPECT_FALSE(fs::exists(fs::path(dir) / "elsewhere"));
}

// A folder that cannot be made: the finding is still reported, then exit 2.
TEST(CliOutDir, AnOutThatCannotBeMadeStillReportsTheFindingThenExitsTwo) {
  const std::string dir = test::temp_dir("out-blocked");
  test::write_file(dir + "/blocked", "a file, not a folder");
  const auto r = run_lsmc("explore --scenario lock-inversion --executions 20 --out blocked/sub", dir);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATION"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("blocked/sub"), std::string::npos) << r.err;
}

TEST(CliOutDir, GenerateKeepsEveryFinding) {
  const std::string dir = test::temp_dir("out-generate");
  const std::string cmd = "generate --mutant percpu-busy-nonatomic --cases 100 --json";
  const auto a = run_lsmc(cmd, dir);
  ASSERT_EQ(a.code, 1) << a.out << a.err;
  const auto b = run_lsmc(cmd, dir);
  ASSERT_EQ(b.code, 1) << b.out << b.err;
  const std::string ta = nlohmann::json::parse(a.out)["trace"], tb = nlohmann::json::parse(b.out)["trace"];
  EXPECT_EQ(ta, "lsmc-out/lsmc-generated-percpu-busy-nonatomic-seed1.trace");
  EXPECT_EQ(tb, "lsmc-out/lsmc-generated-percpu-busy-nonatomic-seed1-2.trace");
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / ta));
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / tb));
}

TEST(CliReport, JsonSaysWhatWasWrittenAndTheTracesVerdict) {
  const std::string dir = test::temp_dir("report-json");
  const std::string trace = trace_of(run_lsmc(kFinding, dir));
  const auto r = run_lsmc("report " + trace + " -o page.html --json", dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["wrote"], "page.html");
  EXPECT_EQ(j["scenario"], "lock-inversion");
  EXPECT_EQ(j["verdict"]["property"], "deadlock");
  EXPECT_NE(j["replay_command"].get<std::string>().find("replay " + trace), std::string::npos) << j;
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir) / "page.html"));
}

// Without --data the report read data/ from the current directory and silently left the recorded
// churn out when it was not there.
TEST(CliReport, DesignNeedsItsRecordedDataAndSaysWhere) {
  const std::string dir = test::temp_dir("report-data");
  const auto r = test::expect_usage_error("report --design -o d.md --data " + dir, "data/forkexit-shell.txt", dir);
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "d.md"));
  test::expect_usage_error("report t.trace -o r.html --data " + dir, "--data applies to --design only", dir);
}

}  // namespace
}  // namespace lsmc
