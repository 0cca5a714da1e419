// What a first use of the command line meets (issue 13): --version, which budget ended a run,
// --seconds alone meaning time, "mutant": null, and --json for list, render and kernel probe.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/util.hpp"
#include "traces/trace.hpp"

namespace lsmc {
namespace {

using test::run_lsmc;

TEST(CliOutput, VersionPrintsTheVersionAndExitsZero) {
  const auto r = run_lsmc("--version");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "lsmc " + std::string(traces::lsmc_version()) + "\n");
}

TEST(CliOutput, TheEndSaysTheExecutionLimitEndedTheRun) {
  const auto r = run_lsmc("explore --scenario lock-ordered --executions 50");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("result: nothing found in 50 executions: the execution limit ended the run (--executions 50"),
            std::string::npos)
      << r.out;
}

// Without the fix, --seconds stopped at the default 10000 executions (a fraction of a second for
// this scenario) and said only "(executions_max)".
TEST(CliOutput, SecondsAloneMeansTimeAndTheEndSaysSo) {
  const auto r = run_lsmc("explore --scenario lock-ordered --seconds 1 --json");
  EXPECT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stop_reason"], "seconds_max");
  EXPECT_GT(j["executions_max"].get<uint64_t>(), uint64_t{1} << 62);
  EXPECT_GE(j["seconds"].get<double>(), 1.0);
  const auto t = run_lsmc("explore --scenario lock-ordered --seconds 1");
  EXPECT_NE(t.out.find("the time limit ended the run (--seconds 1)"), std::string::npos) << t.out;
}

TEST(CliOutput, JsonSaysNullWhenThereIsNoMutant) {
  const auto r = run_lsmc("explore --scenario lock-ordered --executions 10 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("mutant"));
  EXPECT_TRUE(j["mutant"].is_null()) << j["mutant"];
  const auto m = run_lsmc("explore --mutant swapped-lock-order --executions 10 --json", test::temp_dir("cli-null"));
  EXPECT_EQ(nlohmann::json::parse(m.out)["mutant"], "swapped-lock-order") << m.out;
}

TEST(CliOutput, ListJsonHasAnObjectPerLineOfTheText) {
  for (const std::string flags : {"", " --mutants", " --known", " --functions", " --attach-points"}) {
    const auto text = run_lsmc("list" + flags);
    const auto r = run_lsmc("list --json" + flags);
    ASSERT_EQ(r.code, 0) << flags << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_TRUE(j.is_array()) << flags;
    EXPECT_EQ(j.size(), static_cast<std::size_t>(std::count(text.out.begin(), text.out.end(), '\n'))) << flags;
    ASSERT_FALSE(j.empty()) << flags;
  }
  const auto s = nlohmann::json::parse(run_lsmc("list --json").out);
  bool found = false;
  for (const auto& e : s) found = found || (e["name"] == "lost-update" && e["params"].is_object());
  EXPECT_TRUE(found) << s.dump();
  const auto m = nlohmann::json::parse(run_lsmc("list --json --mutants").out);
  for (const auto& e : m) EXPECT_FALSE(e["property"].get<std::string>().empty()) << e.dump();
}

TEST(CliOutput, RenderJsonIsWhatTheDrawingShows) {
  const std::string dir = test::temp_dir("cli-render-json");
  ASSERT_EQ(run_lsmc("explore --scenario lock-inversion --trace-out t.trace", dir).code, 1);
  const auto r = run_lsmc("render --json t.trace", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scenario"], "lock-inversion");
  EXPECT_TRUE(j["mutant"].is_null());
  EXPECT_EQ(j["verdict"]["property"], "deadlock");
  EXPECT_EQ(j["actors"].size(), 2u);
  ASSERT_FALSE(j["events"].empty());
  // Every event shown is one of the trace's, in step order, and each edge joins two of them.
  uint64_t last_step = 0;
  for (const auto& e : j["events"]) {
    EXPECT_LT(e["index"].get<uint64_t>(), j["events_total"].get<uint64_t>());
    EXPECT_GE(e["step"].get<uint64_t>(), last_step);
    last_step = e["step"].get<uint64_t>();
  }
  for (const auto& e : j["edges"]) EXPECT_LT(e["to"].get<uint64_t>(), j["events_total"].get<uint64_t>());
  EXPECT_EQ(run_lsmc("render --format json t.trace", dir).out, r.out);
  EXPECT_EQ(run_lsmc("render --format jsonx t.trace", dir).code, 2);
}

TEST(CliOutput, KernelProbeJsonSaysWhetherTheKernelCommandsCanRun) {
  const auto r = run_lsmc("kernel probe --json");
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j["features"].is_array());
  EXPECT_EQ(j["exit_code"], r.code);
  if (j["usable"].get<bool>()) {
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(j["unavailable"].is_null());
    EXPECT_FALSE(j["features"].empty());
  } else {
    EXPECT_EQ(r.code, 2);
    EXPECT_FALSE(j["unavailable"].get<std::string>().empty());
  }
}

}  // namespace
}  // namespace lsmc
