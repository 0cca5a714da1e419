// SIGINT and SIGTERM (issue 14): explore, explore --all, generate and minimize stop at a safe
// point, print what they have and the command that resumes, and exit 130 or 143, in text and in
// JSON. The signals are real ones, sent to a child lsmc at a random point.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "properties/generated.hpp"
#include "tests/util.hpp"
#include "tools/cli.hpp"

namespace lsmc {
namespace {

// A delay in [lo, hi] ms, drawn afresh each run: the signal lands at a random point.
int random_delay(int lo, int hi) {
  std::random_device rd;
  return std::uniform_int_distribution<int>(lo, hi)(rd);
}

// Runs `args` and signals it at a random point of its work. A run the signal met before it began
// (killed by the signal's default action) or after it ended (exit 0) says nothing: it is retried
// with a later or an earlier point.
test::SignalledResult signalled(const std::vector<std::string>& args, const std::string& dir, int sig, int lo, int hi) {
  test::SignalledResult r;
  for (int attempt = 0; attempt < 8; ++attempt) {
    r = test::run_lsmc_signalled(args, dir, sig, random_delay(lo, hi));
    if (r.killed_by == 0 && r.code != 0) return r;
    if (r.killed_by != 0) lo += 20, hi += 20;
    if (r.code == 0) hi = std::max(lo + 1, hi / 2), lo /= 2;
  }
  ADD_FAILURE() << "the signal never landed inside the run: " << r.out << r.err;
  return r;
}

// Pastes `command` into sh -c in `dir` with the built lsmc first on the PATH.
test::CliResult paste(const std::string& command, const std::string& dir) {
  const std::string bin = std::filesystem::path(LSMC_BINARY).parent_path().string();
  test::write_file(dir + "/pasted.sh", command);
  const std::string cmd = "cd '" + dir + "' && PATH='" + bin + "':\"$PATH\" sh pasted.sh >pasted.out 2>pasted.err";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, test::read_file(dir + "/pasted.out"),
          test::read_file(dir + "/pasted.err")};
}

TEST(Signals, ExploreAllUnderSigintSaysNotRunAndItsResumeRunsTheRest) {
  const std::string dir = test::temp_dir("signal-all-text");
  // 500 executions: the slowest mutant needs ~310 at seed 1 (reuse-before-grace-period; the mls
  // library's lib-no-grace-period ~210), and the resumed rest of the campaign must behave as expected.
  const auto r = signalled({"explore", "--all", "--executions", "500"}, dir, SIGINT, 10, 400);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("interrupted \\(SIGINT\\) in entry (\\d+) of (\\d+)"))) << r.out;
  const int stopped = std::stoi(m[1]), total = std::stoi(m[2]);
  // Every entry from the one stopped on says so; none says UNEXPECTED.
  EXPECT_EQ(r.out.find("UNEXPECTED"), std::string::npos) << r.out;
  std::size_t not_run = 0;
  // (table rows: the executions column pads with spaces; the result line ends in "136 not run")
  for (auto at = r.out.find("   not run\n"); at != std::string::npos; at = r.out.find("   not run\n", at + 1)) ++not_run;
  EXPECT_EQ(not_run, static_cast<std::size_t>(total - stopped)) << r.out;
  EXPECT_NE(r.out.find(" interrupted\n"), std::string::npos) << r.out;
  const std::string resume = test::line_after(r.out, "  resume: ");
  EXPECT_EQ(resume, test::lsmc_program() + " explore --all --executions 500 --all-from " + std::to_string(stopped));
  // Pasted as printed, it runs the rest of the campaign, from the entry stopped.
  const auto rest = paste(resume, dir);
  EXPECT_EQ(rest.code, 0) << rest.out << rest.err;
  EXPECT_NE(rest.out.find("all scenarios and mutants behaved as expected"), std::string::npos) << rest.out;
  EXPECT_NE(rest.out.find("\n" + std::to_string(stopped) + " "), std::string::npos) << rest.out;
  if (stopped > 1) {
    EXPECT_NE(rest.out.find("entries 1.." + std::to_string(stopped - 1) + " of"), std::string::npos);
  }
}

TEST(Signals, ExploreAllUnderSigtermInJsonIsInterruptedWithAResumeCommand) {
  const std::string dir = test::temp_dir("signal-all-json");
  const auto r = signalled({"explore", "--all", "--json", "--executions", "500"}, dir, SIGTERM, 10, 400);
  ASSERT_EQ(r.code, 143) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "interrupted");
  EXPECT_EQ(j["signal"], "SIGTERM");
  EXPECT_EQ(j["exit_code"], 143);
  std::size_t stopped = 0;
  for (const auto& e : j["entries"]) {
    const std::string result = e["result"];
    if (result == "interrupted") stopped = e["entry"];
    EXPECT_TRUE(result.starts_with("ok: ") || result == "interrupted" || result == "not run") << e.dump();
    if (stopped != 0 && e["entry"] > stopped) {
      EXPECT_EQ(result, "not run") << e.dump();
    }
    if (stopped == 0) {
      EXPECT_TRUE(result.starts_with("ok: ")) << e.dump();
    }
  }
  ASSERT_NE(stopped, 0u) << r.out;
  EXPECT_EQ(j["resume_command"], test::lsmc_program() + " explore --all --json --executions 500 --all-from " + std::to_string(stopped));
}

TEST(Signals, ExploreUnderSigtermInJsonResumesAtTheFirstExecutionNotRun) {
  const std::string dir = test::temp_dir("signal-explore");
  const auto r = signalled({"explore", "--scenario", "lock-ordered", "--json", "--executions", "100000000"}, dir,
                           SIGTERM, 20, 300);
  ASSERT_EQ(r.code, 143) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "interrupted");
  EXPECT_EQ(j["exit_code"], 143);
  const uint64_t resume_at = j["resume_index"];
  EXPECT_EQ(resume_at, j["executions"].get<uint64_t>());
  EXPECT_EQ(j["resume_command"], test::lsmc_program() + " explore --scenario lock-ordered --json --first-execution " +
                                     std::to_string(resume_at) + " --executions " + std::to_string(100000000 - resume_at));
  // The printed command with a smaller budget appended: it starts where the first one stopped.
  const auto again = paste(j["resume_command"].get<std::string>() + " --executions 20", dir);
  EXPECT_EQ(again.code, 0) << again.out << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_EQ(k["execution_first"], resume_at);
  EXPECT_EQ(k["executions"], 20);
}

// A dpor search stopped by a real SIGINT writes its checkpoint; the printed command goes on from
// it (here for 200 more executions: the counts go on from where the signal stopped them). The
// search (cachefill-protocol at (3,1,2,1,2): 228 854 executions, seconds) must outlast the signal
// and leave 200 executions for the resumed run: create-race's 17 801 took 0.2 s, and a signal
// landing near its end left the resumed run too few to be interrupted.
TEST(Signals, DporUnderSigintResumesFromItsCheckpoint) {
  const std::string dir = test::temp_dir("signal-dpor");
  const std::vector<std::string> args = {"explore", "--scenario", "cachefill-protocol", "--param", "readers=3",
                                         "--param", "deleters=1", "--param", "maps=2", "--param", "slots=1",
                                         "--param", "lookups=2", "--strategy", "dpor", "--executions", "10000000",
                                         "--json"};
  const auto r = signalled(args, dir, SIGINT, 20, 300);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["outcome"], "interrupted");
  EXPECT_EQ(j["resume_restarts_the_search"], false);
  const std::string checkpoint = j["checkpoint"];
  std::string command = test::lsmc_program();
  for (const std::string& a : args) command += " " + a;
  EXPECT_EQ(j["resume_command"], command + " --resume " + checkpoint);
  const auto again = paste(j["resume_command"].get<std::string>() + " --interrupt-after 200", dir);
  ASSERT_EQ(again.code, 130) << again.out << again.err;
  const auto k = nlohmann::json::parse(again.out);
  EXPECT_EQ(k["executions"], j["executions"].get<uint64_t>() + 200);
  EXPECT_GT(k["steps"].get<uint64_t>(), j["steps"].get<uint64_t>());
  EXPECT_NE(k["checkpoint"], checkpoint);  // a fresh file: the first one is kept
}

TEST(Signals, GenerateUnderSigintResumesWithTheCasesLeft) {
  const std::string dir = test::temp_dir("signal-generate");
  const auto r = signalled({"generate", "--cases", "20000", "--executions", "50"}, dir, SIGINT, 20, 300);
  ASSERT_EQ(r.code, 130) << r.out << r.err;
  EXPECT_NE(r.out.find("result: interrupted (SIGINT) after "), std::string::npos) << r.out;
  std::smatch m;
  const std::string resume = test::line_after(r.out, "  resume: ");
  // (the program as it was run: its path, as lsmc is not on PATH here)
  const std::string program = test::lsmc_program();
  ASSERT_EQ(resume.rfind(program + " ", 0), 0u) << r.out;
  const std::string rest = resume.substr(program.size() + 1);
  ASSERT_TRUE(std::regex_match(rest, m, std::regex("generate --cases 20000 --executions 50 --skip-cases (\\d+)")))
      << r.out;
}

// --skip-cases K makes cases before K pass unrun; case K and later are drawn as they were: a
// finding at case F is found again at F, and shrunk to the same scenario.
TEST(Signals, GenerateSkippingCasesDrawsTheLaterCasesAsBefore) {
  const sim::Catalog c = test::catalog();
  properties::GenerateOptions o;
  o.mutant = "canary";
  o.cases = 2000;
  o.executions = 100;
  const auto first = properties::generate(c, o);
  ASSERT_TRUE(first.minimal.has_value());
  ASSERT_GT(first.failing_case, 0u) << "the finding should not be at the first case, or skipping shows nothing";
  o.skip_cases = first.failing_case;
  const auto again = properties::generate(c, o);
  ASSERT_TRUE(again.minimal.has_value());
  EXPECT_EQ(again.failing_case, first.failing_case);
  EXPECT_EQ(*again.minimal, *first.minimal);
  EXPECT_LT(again.cases, first.cases);
  o.skip_cases = first.failing_case + 1;  // past it: not that finding from that case
  const auto past = properties::generate(c, o);
  EXPECT_TRUE(!past.minimal || past.failing_case > first.failing_case);
}

// minimize stopped at once keeps a failing, replayable trace, exits 130 and prints the command
// that minimises it further; that command, run, goes on and ends with exit 1.
TEST(Signals, InterruptedMinimizeKeepsItsTraceAndResumes) {
  const std::string dir = test::temp_dir("signal-minimize");
  const auto found = test::run_lsmc("explore --scenario lost-update --trace-out t.trace", dir);
  ASSERT_EQ(found.code, 1) << found.out << found.err;
  cli::Interrupt stop;
  stop.requested = true;
  stop.signal = SIGTERM;
  std::ostringstream out, err;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  const int code = cli::run_cli({"minimize", "t.trace", "--json"}, out, err, false, &stop);
  std::filesystem::current_path(cwd);
  ASSERT_EQ(code, 143) << out.str() << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["outcome"], "interrupted");
  EXPECT_EQ(j["resume_command"], "lsmc minimize t.min.trace --json -o t.min.trace");
  const auto replay = test::run_lsmc("replay t.min.trace", dir);
  EXPECT_EQ(replay.code, 1) << replay.out << replay.err;
  const auto resumed = paste(j["resume_command"], dir);
  EXPECT_EQ(resumed.code, 1) << resumed.out << resumed.err;
  EXPECT_EQ(nlohmann::json::parse(resumed.out)["outcome"], "violation");
}

// A command that does not stop cleanly (here lsmc itself waiting on a pipe... replay of a FIFO)
// ends on the signal as any program does: no handler keeps it alive.
TEST(Signals, OtherCommandsEndOnTheSignal) {
  const std::string dir = test::temp_dir("signal-other");
  ASSERT_EQ(mkfifo((dir + "/never.trace").c_str(), 0600), 0);
  const auto r = test::run_lsmc_signalled({"replay", "never.trace"}, dir, SIGTERM, 50);
  EXPECT_EQ(r.killed_by, SIGTERM) << r.code << r.out << r.err;
}

}  // namespace
}  // namespace lsmc
