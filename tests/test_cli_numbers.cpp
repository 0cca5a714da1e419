// One number parser for every command (issue 14): a decimal integer in the option's range, no
// sign, no other base, no overflow; and the messages a wrong combination of options gets.
#include <gtest/gtest.h>

#include "tests/util.hpp"

namespace lsmc {
namespace {

using test::expect_usage_error;  // refused input: exit 2, the message, nothing on stdout
using test::run_lsmc;

constexpr const char* kTwoTo64 = "18446744073709551616";

TEST(CliNumbers, TwoToThe64IsAnErrorNotClamped) {
  for (const char* option : {"--seed", "--executions", "--first-execution", "--seconds"}) {
    expect_usage_error(std::string("explore --scenario lock-ordered ") + option + " " + kTwoTo64, option);
  }
  expect_usage_error(std::string("generate --seed ") + kTwoTo64, "--seed");
  expect_usage_error(std::string("kernel diff --seed ") + kTwoTo64, "--seed");
  expect_usage_error(std::string("kernel stress --seed ") + kTwoTo64, "--seed");
  expect_usage_error(std::string("kernel race --rounds ") + kTwoTo64, "--rounds");
  expect_usage_error(std::string("explore --scenario lock-ordered --set seed=") + kTwoTo64, "seed");
}

TEST(CliNumbers, NegativeAndOtherNotationsAreRefusedByEveryCommand) {
  expect_usage_error("kernel diff --seed -1", "--seed");
  expect_usage_error("kernel stress --seed -1", "--seed");
  expect_usage_error("explore --scenario lock-ordered --seed -1", "--seed");
  expect_usage_error("generate --seed -1", "--seed");
  for (const char* text : {"0x10", "1e3", "+5", "12abc", "1_000", "''"}) {
    expect_usage_error(std::string("explore --scenario lock-ordered --executions ") + text, "--executions");
    expect_usage_error(std::string("kernel diff --sequences ") + text, "--sequences");
  }
  expect_usage_error("minimize --search-executions -1 x.trace", "--search-executions");
  expect_usage_error("explore --scenario lock-ordered --jobs 0", "--jobs");
  expect_usage_error("explore --scenario lock-ordered --jobs 257", "--jobs");
}

TEST(CliNumbers, AnOptionGivenTwiceTakesTheLastSoThatAppendingWorks) {
  const auto r = run_lsmc("explore --scenario lock-ordered --executions 5 --first-execution 3 --executions 7");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("executions 3..9,"), std::string::npos) << r.out;
}

TEST(CliMessages, ReportOptionsSayWhatIsWrong) {
  const std::string dir = test::temp_dir("cli-report-messages");
  ASSERT_EQ(run_lsmc("explore --scenario lost-update --trace-out t.trace", dir).code, 1);
  expect_usage_error("report t.trace --executions 50 -o r.html", "--executions applies to --design only", dir);
  expect_usage_error("report --design --executions 1 -o d.md", "--executions", dir);
  expect_usage_error("report --design -o /proc/x.md", "/proc/x.md", dir);
  expect_usage_error("report --design -o no-such-dir/x.md", "no-such-dir/x.md", dir);
  expect_usage_error("report t.trace -o /proc/x.html", "/proc/x.html", dir);
}

TEST(CliMessages, AnUnknownKernelCommandIsNamed) {
  expect_usage_error("kernel nosuch", "unknown command 'kernel nosuch' (commands: probe, diff, stress, race)");
  expect_usage_error("kernel", "kernel needs a command: probe, diff, stress or race");
}

}  // namespace
}  // namespace lsmc
