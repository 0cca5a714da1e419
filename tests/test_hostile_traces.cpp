// Crafted traces and litmus files (issue 14): a control byte (ESC, BEL, NUL, a C1 control) never
// reaches the terminal or Graphviz; the reader refuses it, and schedule decisions that cannot be,
// with one message and exit 2.
#include <gtest/gtest.h>

#include <regex>

#include "tests/util.hpp"
#include "traces/safe_text.hpp"
#include "traces/trace.hpp"

namespace lsmc {
namespace {

using test::run_lsmc;

// A real trace of a finding, written by lsmc in `dir` as t.trace; its text.
std::string good_trace(const std::string& dir) {
  const auto r = run_lsmc("explore --scenario lost-update --trace-out t.trace", dir);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  return test::read_file(dir + "/t.trace");
}

std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

bool has_control_byte(const std::string& s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  }
  return s.find("\xc2\x9b") != std::string::npos;
}

// `lsmc ARGS` refuses the crafted file: exit 2, the message names the problem, and nothing it
// prints holds a control byte.
void expect_refused(const std::string& args, const std::string& dir, const std::string& needle) {
  SCOPED_TRACE(args);
  const auto r = run_lsmc(args, dir);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Graphviz"), std::string::npos) << r.err;
  EXPECT_FALSE(has_control_byte(r.out)) << r.out;
  EXPECT_FALSE(has_control_byte(r.err)) << r.err;
}

TEST(HostileTraces, ControlBytesAreRefusedByEveryCommandThatReadsATrace) {
  const std::string dir = test::temp_dir("hostile-control");
  const std::string good = good_trace(dir);
  ASSERT_FALSE(good.empty());
  const std::vector<std::pair<std::string, std::string>> crafted = {
      {"esc-label.trace", replace_first(good, " label=", " label=\x1b]0;owned\x07\x1b[2J")},
      {"bel-actor.trace", replace_first(good, "kind=task ", "kind=task \x07")},
      {"nul-at.trace", replace_first(good, " at=", std::string(" at=a\0b", 7))},
      {"c1-message.trace", replace_first(good, "message ", "message \xc2\x9b" "31m")},
  };
  for (const auto& [name, text] : crafted) {
    test::write_file(dir + "/" + name, text);
    for (const char* cmd : {"render ", "render --format dot ", "replay ", "replay --json ", "minimize "}) {
      expect_refused(cmd + std::string(name), dir, "a control character in the trace");
    }
  }
  // The message says where: the file and the line.
  const auto r = run_lsmc("replay nul-at.trace", dir);
  EXPECT_TRUE(std::regex_search(r.err, std::regex("nul-at\\.trace:[0-9]+: a control character"))) << r.err;
  EXPECT_NE(r.err.find("\\x00"), std::string::npos) << r.err;
}

TEST(HostileTraces, ScheduleDecisionsOutsideTheActorsAreRefused) {
  const std::string dir = test::temp_dir("hostile-decisions");
  const std::string good = good_trace(dir);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(good, m, std::regex("decision schedule step=(\\d+) value=(\\d+) bound=(\\d+)")));
  const std::string first = m[0];
  const std::string step = m[1];
  const auto bad = [&](const std::string& name, const std::string& line, const std::string& needle) {
    test::write_file(dir + "/" + name, replace_first(good, first, line));
    expect_refused("replay " + name, dir, needle);
  };
  bad("huge-value.trace", "decision schedule step=" + step + " value=4294967296 bound=2", "actors");
  bad("value-past-actors.trace", "decision schedule step=" + step + " value=3 bound=2", "the execution has 3 actors");
  bad("bound-past-actors.trace", "decision schedule step=" + step + " value=0 bound=9", "the execution has 3 actors");
  // A trace that ends before its last decision and event.
  ASSERT_TRUE(std::regex_search(good, m, std::regex("\nsteps \\d+\n")));
  test::write_file(dir + "/steps-short.trace", replace_first(good, m[0], "\nsteps 1\n"));
  expect_refused("replay steps-short.trace", dir, "steps 1, but a decision or an event is at step");
  // Out of order: the first decision moved after a later one.
  const std::string rest = good.substr(good.find(first) + first.size());
  ASSERT_TRUE(std::regex_search(rest, m, std::regex("decision (schedule|draw) step=(\\d+)")));
  if (std::stoull(m[2]) > std::stoull(step)) {
    bad("out-of-order.trace", "decision schedule step=" + std::to_string(std::stoull(m[2]) + 1) + " value=0 bound=2",
        "decisions are in step order");
  }
}

TEST(HostileTraces, LitmusFilesWithControlBytesAreRefused) {
  const std::string dir = test::temp_dir("hostile-litmus");
  const std::string good = test::read_file(std::string(LSMC_SOURCE_DIR) + "/tests/litmus/CoRR+poonceonce+Once.litmus");
  ASSERT_FALSE(good.empty());
  test::write_file(dir + "/esc.litmus", replace_first(good, "C CoRR", "C \x1b[31mCoRR"));
  expect_refused("litmus esc.litmus", dir, "a control character");
  test::write_file(dir + "/nul.litmus", replace_first(good, "{", std::string("{\0", 2)));
  expect_refused("litmus --check nul.litmus", dir, "a control character");
}

TEST(HostileTraces, PrintedCommandsShowControlBytesEscaped) {
  const std::string q = traces::shell_quote("a\x1b]0;x\x07.trace");
  EXPECT_FALSE(has_control_byte(q)) << q;
  EXPECT_EQ(q, "'a\\x1b]0;x\\x07.trace'");
  // A --trace-out holding ESC: every line explore prints is free of it.
  const std::string dir = test::temp_dir("hostile-trace-out");
  const auto r = run_lsmc("explore --scenario lost-update --trace-out \"$(printf 'x\\033[2Jy.trace')\"", dir);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("x\\x1b[2Jy.trace"), std::string::npos) << r.out;
  EXPECT_FALSE(has_control_byte(r.out)) << r.out;
}

}  // namespace
}  // namespace lsmc
