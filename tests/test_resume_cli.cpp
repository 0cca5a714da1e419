// explore --resume (issue 14): an interrupted dfs, icb or dpor search writes a checkpoint into the
// output folder and prints the command that goes on from it; pasted as printed until the search
// ends, the last report equals the uninterrupted run's. A checkpoint of another search, a damaged
// or truncated one, is one message and exit 2. --interrupt-after stops the runs deterministically.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/util.hpp"

namespace lsmc {
namespace {

TEST(ResumeCli, DporCheckpointsPastedAsPrintedGiveTheUninterruptedReport) {
  const std::string dir = test::temp_dir("resume-dpor");
  const std::string args = "explore --scenario fork-copies --strategy dpor --json";
  const auto whole = test::run_lsmc(args, dir);
  ASSERT_EQ(whole.code, 0) << whole.out << whole.err;
  const auto w = nlohmann::json::parse(whole.out);
  ASSERT_EQ(w["stop_reason"], "space exhausted");
  auto r = test::run_lsmc(args + " --interrupt-after 100 --out 'my out'", dir);
  int resumes = 0;
  for (; r.code == 130 && resumes < 20; ++resumes) {
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["outcome"], "interrupted");
    EXPECT_EQ(j["resume_restarts_the_search"], false);
    const std::string checkpoint = j["checkpoint"];
    EXPECT_EQ(checkpoint.rfind("my out/lsmc-fork-copies-dpor", 0), 0u) << checkpoint;
    const std::string resume = j["resume_command"];
    EXPECT_NE(resume.find(" --resume 'my out/lsmc-fork-copies-dpor"), std::string::npos) << resume;
    r = test::run_shell(resume, dir);
  }
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_GE(resumes, 4);  // 445 executions, 100 at a time
  const auto k = nlohmann::json::parse(r.out);
  for (const char* field : {"stop_reason", "outcome", "executions", "steps", "context_switches", "probe_hits",
                            "probes_never_hit"}) {
    EXPECT_EQ(k[field], w[field]) << field;
  }
}

// lost-update-locked with 3 actors: dfs 5776 executions; under the sanitizers 2 actors of 2
// increments: 454.
#ifdef LSMC_SANITIZE
const std::string kLocked = "--param actors=2 --param increments=2";
const std::string kAll = "all 454 executions explored";
const std::string kEvery = "200";
#else
const std::string kLocked = "--param actors=3";
const std::string kAll = "all 5776 executions explored";
const std::string kEvery = "2000";
#endif

TEST(ResumeCli, DfsAndIcbCheckpointsInTextGiveTheUninterruptedVerdict) {
  const std::string dir = test::temp_dir("resume-dfs");
  for (const std::string strategy : {"dfs", "icb"}) {
    const std::string args = "explore --scenario lost-update-locked " + kLocked + " --strategy " + strategy;
    const auto whole = test::run_lsmc(args, dir);
    ASSERT_EQ(whole.code, 0) << whole.out << whole.err;
    auto r = test::run_lsmc(args + " --interrupt-after " + kEvery, dir);
    int resumes = 0;
    for (; r.code == 130 && resumes < 20; ++resumes) {
      EXPECT_NE(r.out.find("result: interrupted (SIGINT) after "), std::string::npos) << r.out;
      EXPECT_NE(test::line_after(r.out, "  checkpoint: lsmc-out/lsmc-lost-update-locked-" + strategy), "") << r.out;
      r = test::run_shell(test::line_after(r.out, "  resume: "), dir);
    }
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_GE(resumes, 2) << strategy;
    EXPECT_EQ(test::line_after(r.out, "result: "), test::line_after(whole.out, "result: ")) << r.out;
    EXPECT_EQ(test::line_after(r.out, "  probes:"), test::line_after(whole.out, "  probes:"));
    if (strategy == "dfs") {
      EXPECT_NE(test::line_after(r.out, "result: ").find(kAll), std::string::npos) << r.out;
    }
  }
}

TEST(ResumeCli, ACheckpointOfAnotherSearchOrDamagedIsExit2) {
  const std::string dir = test::temp_dir("resume-bad");
  const auto r = test::run_lsmc("explore --scenario fork-copies --strategy dpor --json --interrupt-after 30", dir);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  const std::string file = nlohmann::json::parse(r.out)["checkpoint"];
  const std::string good = "explore --scenario fork-copies --strategy dpor --resume " + file;
  const auto small = test::run_lsmc(good + " --executions 1 --json", dir);  // a budget used up already
  ASSERT_EQ(small.code, 0) << small.out << small.err;
  EXPECT_EQ(nlohmann::json::parse(small.out)["executions"], 30);
  test::expect_usage_error("explore --scenario single-cpu --strategy dpor --resume " + file,
                           "its scenario is \"fork-copies\"", dir);
  test::expect_usage_error(good + " --set steps_max=500", "its steps_max is", dir);
  test::expect_usage_error(good + " --jobs 2", "its jobs is", dir);
  test::expect_usage_error("explore --scenario fork-copies --strategy dfs --resume " + file, "its strategy is", dir);
  test::expect_usage_error("explore --scenario fork-copies --strategy random --resume " + file, "--first-execution", dir);
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --resume nosuch", "cannot open", dir);
  const std::string text = test::read_file(dir + "/" + file);
  test::write_file(dir + "/cut.checkpoint", text.substr(0, text.size() / 2));
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --resume cut.checkpoint", "not a usable checkpoint", dir);
  auto j = nlohmann::json::parse(text);
  j["parts"][0]["executions"] = -5;
  test::write_file(dir + "/negative.checkpoint", j.dump());
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --resume negative.checkpoint",
                           "'executions' is not a non-negative integer", dir);
  j = nlohmann::json::parse(text);
  std::string state = j["parts"][0]["state"];
  j["parts"][0]["state"] = state.substr(0, state.size() / 3);
  test::write_file(dir + "/state.checkpoint", j.dump());
  test::expect_usage_error("explore --scenario fork-copies --strategy dpor --resume state.checkpoint",
                           "search state does not fit", dir);
  // Well formed, but its choices are not this scenario's: the first execution finds out.
  const auto other = test::run_lsmc("explore --scenario single-cpu --strategy dpor --json --interrupt-after 30", dir);
  ASSERT_EQ(other.code, 130) << other.out << other.err;
  j = nlohmann::json::parse(text);
  j["parts"][0]["state"] = nlohmann::json::parse(test::read_file(dir + "/" + nlohmann::json::parse(other.out)["checkpoint"].get<std::string>()))["parts"][0]["state"];
  test::write_file(dir + "/swapped.checkpoint", j.dump());
  const auto swapped = test::run_lsmc("explore --scenario fork-copies --strategy dpor --resume swapped.checkpoint", dir);
  EXPECT_EQ(swapped.code, 2) << swapped.out << swapped.err;
  EXPECT_NE(swapped.err.find("does not fit scenario fork-copies"), std::string::npos) << swapped.err;
}

// explore --all with dpor: the entry stopped goes on from its checkpoint, the rest run after it.
TEST(ResumeCli, ExploreAllResumesTheEntryItStoppedIn) {
  const std::string dir = test::temp_dir("resume-all");
  const auto r = test::run_lsmc("explore --all --strategy dpor --executions 300 --interrupt-after 50 --json", dir);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  std::size_t stopped = 0;
  uint64_t executions = 0;
  for (const auto& e : j["entries"]) {
    if (e["result"] == "interrupted") stopped = e["entry"], executions = e["executions"];
  }
  ASSERT_NE(stopped, 0u) << r.out;
  const std::string resume = j["resume_command"];
  EXPECT_NE(resume.find("--all-from " + std::to_string(stopped) + " --resume lsmc-out/"), std::string::npos) << resume;
  const auto again = test::run_shell(resume, dir);
  ASSERT_EQ(again.code, 130) << again.out << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_EQ(k["entries"][0]["entry"], stopped);
  EXPECT_EQ(k["entries"][0]["executions"], executions + 50);  // went on: 50 more, counted with the first 50
}

}  // namespace
}  // namespace lsmc
