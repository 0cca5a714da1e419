// One number parser for every command (issue 14): a decimal integer in the option's range, no
// sign, no other base, no overflow; and the messages a wrong combination of options gets.
#include <gtest/gtest.h>

#include "tests/util.hpp"

namespace lsmc {
namespace {

using test::run_lsmc;

constexpr const char* kTwoTo64 = "18446744073709551616";

void expect_refused(const std::string& args, const std::string& needle, const std::string& dir = ".") {
  SCOPED_TRACE(args);
  const auto r = run_lsmc(args, dir);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CliNumbers, TwoToThe64IsAnErrorNotClamped) {
  for (const char* option : {"--seed", "--executions", "--first-execution", "--seconds"}) {
    expect_refused(std::string("explore --scenario lock-ordered ") + option + " " + kTwoTo64, option);
  }
  expect_refused(std::string("generate --seed ") + kTwoTo64, "--seed");
  expect_refused(std::string("kernel diff --seed ") + kTwoTo64, "--seed");
  expect_refused(std::string("kernel stress --seed ") + kTwoTo64, "--seed");
  expect_refused(std::string("kernel race --rounds ") + kTwoTo64, "--rounds");
  expect_refused(std::string("explore --scenario lock-ordered --set seed=") + kTwoTo64, "seed");
}

TEST(CliNumbers, NegativeAndOtherNotationsAreRefusedByEveryCommand) {
  expect_refused("kernel diff --seed -1", "--seed");
  expect_refused("kernel stress --seed -1", "--seed");
  expect_refused("explore --scenario lock-ordered --seed -1", "--seed");
  expect_refused("generate --seed -1", "--seed");
  for (const char* text : {"0x10", "1e3", "+5", "12abc", "1_000", "''"}) {
    expect_refused(std::string("explore --scenario lock-ordered --executions ") + text, "--executions");
    expect_refused(std::string("kernel diff --sequences ") + text, "--sequences");
  }
  expect_refused("minimize --search-executions -1 x.trace", "--search-executions");
  expect_refused("explore --scenario lock-ordered --jobs 0", "--jobs");
  expect_refused("explore --scenario lock-ordered --jobs 257", "--jobs");
}

TEST(CliNumbers, AnOptionGivenTwiceTakesTheLastSoThatAppendingWorks) {
  const auto r = run_lsmc("explore --scenario lock-ordered --executions 5 --first-execution 3 --executions 7");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("executions 3..9,"), std::string::npos) << r.out;
}

TEST(CliMessages, ReportOptionsSayWhatIsWrong) {
  const std::string dir = test::temp_dir("cli-report-messages");
  ASSERT_EQ(run_lsmc("explore --scenario lost-update --trace-out t.trace", dir).code, 1);
  expect_refused("report t.trace --executions 50 -o r.html", "--executions applies to --design only", dir);
  expect_refused("report --design --executions 1 -o d.md", "--executions", dir);
  expect_refused("report --design -o /proc/x.md", "/proc/x.md", dir);
  expect_refused("report --design -o no-such-dir/x.md", "no-such-dir/x.md", dir);
  expect_refused("report t.trace -o /proc/x.html", "/proc/x.html", dir);
}

TEST(CliMessages, AnUnknownKernelCommandIsNamed) {
  expect_refused("kernel nosuch", "unknown command 'kernel nosuch' (commands: probe, diff, stress, race)");
  expect_refused("kernel", "kernel needs a command: probe, diff, stress or race");
}

}  // namespace
}  // namespace lsmc
