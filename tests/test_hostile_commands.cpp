// Hostile file names and unwritable outputs (issue 14): every command lsmc prints runs lsmc and
// nothing else when pasted into a POSIX shell, and a finding is never lost to an output error.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/util.hpp"

namespace lsmc {
namespace {

using test::run_lsmc;

// A file name that runs commands when a printed command is pasted unquoted.
const std::string kHostile = "a b;$(touch PWNED)`id`.trace";
// The same, with a single quote (the one character single quotes cannot hold).
const std::string kHostileQuote = "it's $(touch PWNED) `touch PWNED`.trace";

// `word` in single quotes, written out by hand (not with the function under test).
std::string sq(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string after(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (const auto at = line.find(prefix); at != std::string::npos) return line.substr(at + prefix.size());
  }
  return {};
}

std::string html_unescape(std::string s) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""},
                                 {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
  }
  return s;
}

// Pastes `command` into `sh -c` in `dir` with lsmc on the PATH: it must run lsmc (which says what
// it did on stdout) and touch no file named PWNED.
void expect_runs_only_lsmc(const std::string& command, const std::string& dir, int expected_code,
                           const std::string& expected_out) {
  SCOPED_TRACE(command);
  ASSERT_FALSE(command.empty());
  test::write_file(dir + "/pasted.txt", command);
  const std::string bin = std::filesystem::path(LSMC_BINARY).parent_path().string();
  const std::string sh = "cd " + sq(dir) + " && PATH=" + sq(bin) + ":\"$PATH\" sh -c \"$(cat pasted.txt)\" >pasted.out 2>&1";
  const int status = std::system(sh.c_str());
  const std::string out = test::read_file(dir + "/pasted.out");
  EXPECT_EQ(WEXITSTATUS(status), expected_code) << out;
  EXPECT_NE(out.find(expected_out), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/PWNED")) << "the pasted command ran something else";
  std::filesystem::remove(dir + "/PWNED");
}

TEST(HostileCommands, EveryPrintedCommandRunsOnlyLsmcWhenPasted) {
  const std::string dir = test::temp_dir("hostile-commands");
  const auto r = run_lsmc("explore --scenario lost-update --trace-out " + sq(kHostile), dir);
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  ASSERT_TRUE(std::filesystem::exists(dir + "/" + kHostile));
  expect_runs_only_lsmc(after(r.out, "  replay: "), dir, 1, "reproduced: violation of assertion");
  expect_runs_only_lsmc(after(r.out, "  reproduce: "), dir, 1, "VIOLATION of assertion");

  const auto j = run_lsmc("explore --scenario lost-update --json --trace-out " + sq(kHostile), dir);
  ASSERT_EQ(j.code, 1) << j.out << j.err;
  const auto json = nlohmann::json::parse(j.out);
  expect_runs_only_lsmc(json["replay_command"], dir, 1, "reproduced: violation");
  expect_runs_only_lsmc(json["reproduce_command"], dir, 1, "VIOLATION of assertion");

  // The HTML report's <pre>, copied from the browser (HTML entities decoded).
  const auto rep = run_lsmc("report " + sq(kHostile) + " -o r.html", dir);
  ASSERT_EQ(rep.code, 0) << rep.out << rep.err;
  const std::string html = test::read_file(dir + "/r.html");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex("<pre id=\"replay\">([^<]*)</pre>"))) << html.substr(0, 2000);
  expect_runs_only_lsmc(html_unescape(m[1]), dir, 1, "reproduced: violation");

  // minimize's command for a name with a single quote, in text and JSON.
  const auto min = run_lsmc("minimize " + sq(kHostile) + " -o " + sq(kHostileQuote), dir);
  ASSERT_EQ(min.code, 1) << min.out << min.err;
  expect_runs_only_lsmc(after(min.out, "  replay: "), dir, 1, "reproduced: violation");
  const auto minj = run_lsmc("minimize --json " + sq(kHostile) + " -o " + sq(kHostileQuote), dir);
  ASSERT_EQ(minj.code, 1) << minj.out << minj.err;
  expect_runs_only_lsmc(nlohmann::json::parse(minj.out)["replay_command"], dir, 1, "reproduced: violation");

  // explore --minimize's and generate's commands.
  const auto xm = run_lsmc("explore --scenario lost-update --minimize --trace-out " + sq(kHostileQuote), dir);
  ASSERT_EQ(xm.code, 1) << xm.out << xm.err;
  expect_runs_only_lsmc(after(xm.out.substr(xm.out.find("minimized")), "  replay: "), dir, 1, "reproduced: violation");
  const auto g = run_lsmc("generate --mutant null-owner --trace-out " + sq(kHostile), dir);
  ASSERT_EQ(g.code, 1) << g.out << g.err;
  expect_runs_only_lsmc(after(g.out, "  replay: "), dir, 1, "reproduced: violation");
}

TEST(HostileCommands, AFileNameStartingWithADashIsNotReadAsAnOption) {
  const std::string dir = test::temp_dir("hostile-dash");
  const auto r = run_lsmc("explore --scenario lost-update --trace-out=-rf.trace", dir);
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  expect_runs_only_lsmc(after(r.out, "  replay: "), dir, 1, "reproduced: violation");
  const auto m = run_lsmc("minimize ./-rf.trace --out=--help.trace", dir);
  ASSERT_EQ(m.code, 1) << m.out << m.err;
  expect_runs_only_lsmc(after(m.out, "  replay: "), dir, 1, "reproduced: violation");
}

// An output that cannot be written: the verdict, the execution and the reproduce command are
// printed all the same, the error goes to stderr, and the exit code is 2.
TEST(HostileCommands, UnwritableTraceOutKeepsTheFindingInExplore) {
  const std::string dir = test::temp_dir("hostile-unwritable-explore");
  const auto r = run_lsmc("explore --scenario lost-update --trace-out no-such-dir/t.trace", dir);
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATION of assertion in execution 10"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("no-such-dir/t.trace"), std::string::npos) << r.err;
  const std::string reproduce = after(r.out, "  reproduce: ");
  ASSERT_FALSE(reproduce.empty()) << r.out;
  // The reproduce command writes its trace where it can, and finds the same violation.
  expect_runs_only_lsmc(reproduce, dir, 1, "VIOLATION of assertion in execution 10");

  const auto j = run_lsmc("explore --scenario lost-update --json --minimize --trace-out /proc/x.trace", dir);
  EXPECT_EQ(j.code, 2) << j.out << j.err;
  const auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["exit_code"], 2);
  EXPECT_EQ(json["outcome"], "violation");
  EXPECT_EQ(json["execution"], 10);
  EXPECT_EQ(json["verdict"]["property"], "assertion");
  EXPECT_NE(json["trace_error"].get<std::string>().find("/proc/x.trace"), std::string::npos);
  expect_runs_only_lsmc(json["reproduce_command"], dir, 1, "VIOLATION of assertion");
}

TEST(HostileCommands, UnwritableOutputKeepsTheFindingInGenerateAndMinimize) {
  const std::string dir = test::temp_dir("hostile-unwritable-generate");
  const auto g = run_lsmc("generate --mutant null-owner --trace-out /proc/x.trace", dir);
  EXPECT_EQ(g.code, 2) << g.out << g.err;
  EXPECT_NE(g.out.find("result: VIOLATION of"), std::string::npos) << g.out;
  EXPECT_NE(g.err.find("/proc/x.trace"), std::string::npos) << g.err;
  const std::string again = after(g.out, "  explore: ");
  expect_runs_only_lsmc(again, dir, 1, "VIOLATION of");
  const auto gj = run_lsmc("generate --json --mutant null-owner --trace-out /proc/x.trace", dir);
  EXPECT_EQ(gj.code, 2) << gj.out << gj.err;
  const auto json = nlohmann::json::parse(gj.out);
  EXPECT_EQ(json["outcome"], "violation");
  EXPECT_EQ(json["exit_code"], 2);
  EXPECT_FALSE(json["explore_command"].get<std::string>().empty());

  ASSERT_EQ(run_lsmc("explore --scenario lost-update --trace-out t.trace", dir).code, 1);
  const auto m = run_lsmc("minimize t.trace -o /proc/x.trace", dir);
  EXPECT_EQ(m.code, 2) << m.out << m.err;
  EXPECT_NE(m.out.find("result: VIOLATION of assertion"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("execution 10"), std::string::npos) << m.out;
  EXPECT_NE(m.err.find("/proc/x.trace"), std::string::npos) << m.err;
  expect_runs_only_lsmc(after(m.out, "  reproduce: "), dir, 1, "result: VIOLATION of assertion");
  const auto mj = run_lsmc("minimize --json t.trace -o /proc/x.trace", dir);
  EXPECT_EQ(mj.code, 2) << mj.out << mj.err;
  EXPECT_EQ(nlohmann::json::parse(mj.out)["verdict"]["property"], "assertion");
}

}  // namespace
}  // namespace lsmc
