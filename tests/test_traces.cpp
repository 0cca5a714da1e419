// Trace files: determinism (byte-identical traces), the replay round-trip for every failing
// scenario and mutant, divergence on a tampered trace, and the parser on bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"
#include "traces/replay.hpp"
#include "traces/trace.hpp"

namespace lsmc {
namespace {

struct Found {
  sim::RunRequest request;
  sim::RunReport report;
  std::string text;  // the trace file
};

Found explore(const sim::Catalog& c, const std::string& scenario, const std::string& mutant,
              uint64_t seed, std::map<std::string, int64_t> params = {}) {
  Found f;
  f.request.scenario = c.find(scenario);
  EXPECT_NE(f.request.scenario, nullptr) << scenario;
  f.request.config.seed = seed;
  f.request.config.mutant = mutant;
  f.request.config.profile = sim::run_profiles(*f.request.scenario, c.find_mutant(mutant)).front();
  if (const sim::MutantInfo* m = c.find_mutant(mutant)) f.request.config.memory_model = m->memory_model;
  f.request.config.executions_max = 20000;
  f.request.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(*f.request.scenario, params, f.request.params));
  f.report = sim::run(f.request);
  if (f.report.failure) {
    f.text = traces::write_trace(traces::make_trace(*f.request.scenario, f.request.params,
                                                    f.request.config, *f.report.failure));
  }
  return f;
}

TEST(Traces, SameSeedGivesByteIdenticalTraceTwice) {
  const sim::Catalog c = test::catalog();
  for (const char* s : {"lost-update", "lock-inversion"}) {
    const Found a = explore(c, s, "", 42, {});
    const Found b = explore(c, s, "", 42, {});
    ASSERT_FALSE(a.text.empty()) << s;
    EXPECT_EQ(a.text, b.text) << s;
  }
}

TEST(Traces, DifferentSeedsGiveDifferentTraces) {
  const sim::Catalog c = test::catalog();
  const std::map<std::string, int64_t> big{{"actors", 3}, {"increments", 3}};
  const Found a = explore(c, "lost-update", "", 1, big);
  const Found b = explore(c, "lost-update", "", 2, big);
  ASSERT_FALSE(a.text.empty());
  ASSERT_FALSE(b.text.empty());
  EXPECT_NE(a.text, b.text);
}

// Every scenario that fails, and every mutant on each of its scenarios: the trace parses back
// to the same text, and replaying it reproduces the same events and the same verdict.
TEST(Traces, ReplayRoundTripForEveryFailingScenarioAndMutant) {
  const sim::Catalog c = test::catalog();
  std::vector<std::pair<std::string, std::string>> cases;
  for (const auto& s : c.scenarios()) {
    if (s->expected_to_fail()) cases.emplace_back(std::string(s->name()), "");
  }
  for (const auto& m : c.mutants()) {
    for (const auto& s : m.scenarios) cases.emplace_back(s, m.name);
  }
  ASSERT_GE(cases.size(), 4u);
  for (const auto& [scenario, mutant] : cases) {
    SCOPED_TRACE(scenario + " / " + (mutant.empty() ? "-" : mutant));
    const Found f = explore(c, scenario, mutant, 3);
    ASSERT_EQ(f.report.outcome, sim::Outcome::kViolation);
    const traces::Trace parsed = traces::parse_trace(f.text, "memory");
    EXPECT_EQ(traces::write_trace(parsed), f.text);
    const traces::ReplayResult r = traces::replay(parsed, c, properties::default_observers);
    EXPECT_EQ(r.status, traces::ReplayStatus::kReproduced) << r.message;
    EXPECT_EQ(r.record.verdict, f.report.failure->verdict);
    EXPECT_EQ(r.record.events, f.report.failure->events);
  }
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(Traces, TamperedEventStopsReplayAtThatStepWithBothEvents) {
  const sim::Catalog c = test::catalog();
  const Found f = explore(c, "lost-update", "", 5);
  ASSERT_FALSE(f.text.empty());
  const std::string tampered = replace_once(f.text, "label=increment: load", "label=increment: lood");
  const traces::ReplayResult r =
      traces::replay(traces::parse_trace(tampered, "t"), c, properties::default_observers);
  ASSERT_EQ(r.status, traces::ReplayStatus::kDiverged);
  EXPECT_NE(r.message.find("recorded [step"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("in increment: lood]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("now [step"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("in increment: load]"), std::string::npos) << r.message;
}

TEST(Traces, TamperedDecisionIsADivergence) {
  const sim::Catalog c = test::catalog();
  const Found f = explore(c, "lock-inversion", "", 5);
  ASSERT_FALSE(f.text.empty());
  const traces::Trace t = traces::parse_trace(f.text, "t");
  ASSERT_FALSE(t.record.decisions.empty());
  traces::Trace bad = t;
  bad.record.decisions.back().value = 1 - bad.record.decisions.back().value;  // the other actor
  const traces::ReplayResult r = traces::replay(bad, c, properties::default_observers);
  EXPECT_EQ(r.status, traces::ReplayStatus::kDiverged);
  traces::Trace shorter = t;
  shorter.record.decisions.pop_back();
  EXPECT_EQ(traces::replay(shorter, c, properties::default_observers).status,
            traces::ReplayStatus::kDiverged);
}

TEST(Traces, ChangedVerdictIsReported) {
  const sim::Catalog c = test::catalog();
  const Found f = explore(c, "lost-update", "", 5);
  const std::string tampered = replace_once(f.text, "message counter is 1", "message counter is 7");
  const traces::ReplayResult r =
      traces::replay(traces::parse_trace(tampered, "t"), c, properties::default_observers);
  EXPECT_EQ(r.status, traces::ReplayStatus::kDiverged);
  EXPECT_NE(r.message.find("verdict"), std::string::npos);
}

void expect_parse_error(const std::string& text, const std::string& needle) {
  try {
    traces::parse_trace(text, "bad.trace");
    ADD_FAILURE() << "parsed without error; expected: " << needle;
  } catch (const traces::TraceError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("bad.trace:", 0), 0u) << e.what();
  }
}

// Compatibility within format version 1: a trace written before a Config field existed (the
// fields issue 5 added: pct_depth, preemption_bound, jobs, shard_index, shard_count) still parses
// and replays, the missing fields taking their defaults.
TEST(Traces, OlderVersion1TracesWithoutNewerConfigFieldsStillReplay) {
  const sim::Catalog c = test::catalog();
  std::string text = test::read_file(std::string(LSMC_SOURCE_DIR) + "/tests/golden-min/canary.trace");
  std::string old;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const bool newer = line.rfind("config pct_depth", 0) == 0 || line.rfind("config preemption_bound", 0) == 0 ||
                       line.rfind("config jobs", 0) == 0 || line.rfind("config shard_", 0) == 0;
    if (!newer) old += line + "\n";
  }
  ASSERT_LT(old.size(), text.size());
  const traces::Trace t = traces::parse_trace(old, "old.trace");
  EXPECT_EQ(t.config.preemption_bound, sim::Config{}.preemption_bound);
  const traces::ReplayResult r = traces::replay(t, c, properties::default_observers);
  EXPECT_EQ(r.status, traces::ReplayStatus::kReproduced) << r.message;
}

// The fuzzer's property on the inputs kept in tests/fuzz_regressions: refused with a readable
// message (no raw control bytes), or parsed and written back stably.
TEST(Traces, FuzzRegressionsAreRefusedReadablyOrRoundTrip) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(LSMC_SOURCE_DIR) + "/tests/fuzz_regressions")) {
    ++files;
    const std::string text = test::read_file(entry.path().string());
    try {
      const traces::Trace t = traces::parse_trace(text, "input");
      const std::string written = traces::write_trace(t);
      EXPECT_EQ(traces::write_trace(traces::parse_trace(written, "again")), written) << entry.path();
    } catch (const traces::TraceError& e) {
      for (unsigned char c : std::string(e.what())) {
        EXPECT_TRUE(c >= 0x20 && c < 0x7f) << entry.path() << ": " << e.what();
      }
    }
  }
  EXPECT_GE(files, 4u);
}

TEST(Traces, ParserRejectsBadInputWithTheLine) {
  const sim::Catalog c = test::catalog();
  const std::string good = explore(c, "lost-update", "", 5).text;
  ASSERT_FALSE(good.empty());
  expect_parse_error("", "truncated");
  expect_parse_error("hello\n", "not an lsmc trace");
  expect_parse_error(replace_once(good, "lsmc-trace 1", "lsmc-trace 9"), "format version 9 is not supported");
  expect_parse_error(good.substr(0, good.size() / 2), "truncated");
  expect_parse_error(good.substr(0, good.find("\nend")), "truncated");
  expect_parse_error(replace_once(good, "config steps_max 100000", "config steps_max lots"), "not a non-negative integer");
  expect_parse_error(replace_once(good, "config steps_max", "config steeps_max"), "unknown config field");
  expect_parse_error(replace_once(good, "op=read", "op=sing"), "unknown operation");
  expect_parse_error(replace_once(good, "actor=1 ", "actor=99 "), "does not exist");
  expect_parse_error(replace_once(good, "decision schedule", "decision dance"), "unknown decision kind");
  expect_parse_error(good + "more\n", "text after 'end'");
  expect_parse_error(replace_once(good, "verdict violation", "verdict maybe"), "unknown verdict");
}

TEST(Traces, UnknownScenarioInATraceIsAnError) {
  const sim::Catalog c = test::catalog();
  const std::string good = explore(c, "lost-update", "", 5).text;
  const traces::Trace t = traces::parse_trace(replace_once(good, "scenario lost-update", "scenario nope"), "t");
  EXPECT_THROW(traces::replay(t, c, properties::default_observers), traces::TraceError);
  const traces::Trace p = traces::parse_trace(replace_once(good, "param actors 2", "param actors 99"), "t");
  EXPECT_THROW(traces::replay(p, c, properties::default_observers), traces::TraceError);
}

}  // namespace
}  // namespace lsmc
