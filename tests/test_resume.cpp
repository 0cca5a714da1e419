// Resuming an interrupted tree search (issue 14): dfs, icb and dpor stopped after K executions and
// resumed from their checkpoint (sim::PartCheckpoint, Strategy::save/restore) run exactly the
// executions the uninterrupted search runs after its first K, in the same order, and the resumed
// run's report (executions, steps, pruned, probe hits, "space exhausted") is the whole search's.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

// Every execution's decisions, in the order they ran (under --jobs, in some order).
struct Schedules {
  std::mutex mu;
  std::vector<std::vector<sim::Decision>> list;
};

class RecordSchedules final : public sim::Observer {
public:
  explicit RecordSchedules(Schedules& into) : into_(into) {}
  void on_event(sim::Execution&, const sim::Event&) override {}
  void on_end(sim::Execution& exec) override {
    std::lock_guard<std::mutex> lock(into_.mu);
    into_.list.push_back(exec.decisions());
  }

private:
  Schedules& into_;
};

sim::RunRequest request(const std::string& scenario, const std::string& strategy, std::map<std::string, int64_t> params,
                        Schedules& seen, uint64_t jobs = 1) {
  static const sim::Catalog cat = test::catalog();
  sim::RunRequest r;
  r.scenario = cat.find(scenario);
  EXPECT_NE(r.scenario, nullptr);
  r.config.strategy = strategy;
  r.config.executions_max = 1000000;
  r.config.jobs = jobs;
  r.resplit_after = 30;  // --jobs with a tree search: parts cut into parts, across the stops too
  r.split_depth = jobs > 1 ? 3 : 0;
  r.observers = [&seen] {
    auto list = properties::default_observers();
    list.push_back(std::make_unique<RecordSchedules>(seen));
    return list;
  };
  EXPECT_FALSE(sim::resolve_params(*r.scenario, params, r.params));
  return r;
}

void expect_same_totals(const sim::RunReport& whole, const sim::RunReport& resumed) {
  EXPECT_EQ(resumed.stop_reason, whole.stop_reason);
  EXPECT_EQ(resumed.outcome, whole.outcome);
  EXPECT_EQ(resumed.executions, whole.executions);
  EXPECT_EQ(resumed.metrics.executions, whole.metrics.executions);
  EXPECT_EQ(resumed.metrics.steps, whole.metrics.steps);
  EXPECT_EQ(resumed.metrics.choices, whole.metrics.choices);
  EXPECT_EQ(resumed.metrics.context_switches, whole.metrics.context_switches);
  EXPECT_EQ(resumed.metrics.pruned, whole.metrics.pruned);
  EXPECT_EQ(resumed.metrics.foreign, whole.metrics.foreign);
  EXPECT_EQ(resumed.metrics.steps_max_seen, whole.metrics.steps_max_seen);
  EXPECT_EQ(resumed.probe_hits, whole.probe_hits);
  EXPECT_EQ(resumed.probes_never_hit, whole.probes_never_hit);
}

// Runs the search whole, then again stopped every `k` executions (of each job) and resumed from
// the checkpoint each time, until it ends. Returns how many times it was stopped.
int compare_interrupted(const std::string& scenario, const std::string& strategy, std::map<std::string, int64_t> params,
                        uint64_t k, uint64_t jobs = 1) {
  Schedules whole_seen, pieces_seen;
  const sim::RunReport whole = sim::run(request(scenario, strategy, params, whole_seen, jobs));
  EXPECT_EQ(whole.stop_reason, "space exhausted");
  sim::RunRequest r = request(scenario, strategy, params, pieces_seen, jobs);
  r.interrupt_after = k;
  std::vector<sim::PartCheckpoint> checkpoint;
  sim::RunReport last;
  int stops = 0;
  for (; stops < 10000; ++stops) {
    r.resume = stops == 0 ? nullptr : &checkpoint;
    last = sim::run(r);
    if (last.stop_reason != "interrupted") break;
    if (jobs == 1) {
      EXPECT_EQ(last.checkpoint.size(), 1u);
    }
    checkpoint = last.checkpoint;
  }
  expect_same_totals(whole, last);
  if (jobs == 1) {
    EXPECT_EQ(pieces_seen.list, whole_seen.list);  // the same executions in the same order
  } else {
    std::sort(whole_seen.list.begin(), whole_seen.list.end(), [](auto& a, auto& b) { return a.size() != b.size() ? a.size() < b.size() : std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](auto& x, auto& y) { return std::tie(x.kind, x.step, x.value, x.bound) < std::tie(y.kind, y.step, y.value, y.bound); }); });
    std::sort(pieces_seen.list.begin(), pieces_seen.list.end(), [](auto& a, auto& b) { return a.size() != b.size() ? a.size() < b.size() : std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](auto& x, auto& y) { return std::tie(x.kind, x.step, x.value, x.bound) < std::tie(y.kind, y.step, y.value, y.bound); }); });
    EXPECT_EQ(pieces_seen.list, whole_seen.list);
  }
  return stops;
}

// lost-update-locked with 3 actors: dfs 5776 executions, icb 7000; under the sanitizers 2 actors
// of 2 increments: 454 and 582.
#ifdef LSMC_SANITIZE
const std::map<std::string, int64_t> kLocked = {{"actors", 2}, {"increments", 2}};
constexpr uint64_t kEvery = 100;
#else
const std::map<std::string, int64_t> kLocked = {{"actors", 3}};
constexpr uint64_t kEvery = 1000;
#endif

TEST(Resume, DfsStoppedAndResumedRunsTheUninterruptedSearch) {
  EXPECT_GE(compare_interrupted("lost-update-locked", "dfs", kLocked, kEvery), 4);
}

TEST(Resume, IcbStoppedAndResumedRunsTheUninterruptedSearch) {
  EXPECT_GE(compare_interrupted("lost-update-locked", "icb", kLocked, kEvery), 5);
}

TEST(Resume, DporStoppedAndResumedRunsTheUninterruptedSearch) {
  // fork-copies: 445 executions, 253 of them ended by sleep sets, with probes and draws.
  EXPECT_GE(compare_interrupted("fork-copies", "dpor", {}, 60), 7);
}

TEST(Resume, DporWithJobsResumesEachJobsPart) {
  EXPECT_GE(compare_interrupted("fork-copies", "dpor", {}, 20, 2), 2);
}

// A checkpoint of one scenario's search given to another's: its first execution does not follow
// the restored prefix, and the run refuses it as a bad request.
TEST(Resume, ACheckpointOfAnotherScenarioIsRefused) {
  Schedules seen;
  sim::RunRequest r = request("fork-copies", "dpor", {}, seen);
  r.interrupt_after = 30;
  const sim::RunReport stopped = sim::run(r);
  ASSERT_EQ(stopped.checkpoint.size(), 1u);
  sim::RunRequest other = request("single-cpu", "dpor", {}, seen);
  other.resume = &stopped.checkpoint;
  EXPECT_THROW(sim::run(other), std::invalid_argument);
  sim::RunRequest dfs = request("fork-copies", "dfs", {}, seen);
  dfs.resume = &stopped.checkpoint;
  EXPECT_THROW(sim::run(dfs), std::invalid_argument);  // a dpor state is not a dfs state
}

// Every prefix of a saved state, and states with one number out of range, are refused or
// restored without a crash (the reader checks counts against the text left and every actor it
// names against the frame's enabled set).
TEST(Resume, TruncatedOrDamagedStatesAreRefusedWithoutACrash) {
  Schedules seen;
  for (const std::string strategy : {"dpor", "dfs", "icb"}) {
    sim::RunRequest r = request("fork-copies", strategy, {}, seen);
    r.interrupt_after = 40;
    const sim::RunReport stopped = sim::run(r);
    ASSERT_EQ(stopped.checkpoint.size(), 1u);
    const std::string state = stopped.checkpoint[0].state;
    EXPECT_TRUE(sim::make_strategy(strategy, 1)->restore(state).empty()) << state;
    std::size_t refused = 0;
    for (std::size_t n = 0; n < state.size(); n += std::max<std::size_t>(1, state.size() / 400)) {
      refused += sim::make_strategy(strategy, 1)->restore(state.substr(0, n)).empty() ? 0 : 1;
    }
    EXPECT_GT(refused, 0u);
    EXPECT_FALSE(sim::make_strategy(strategy, 1)->restore(state + " 7").empty());
    EXPECT_FALSE(sim::make_strategy(strategy, 1)->restore(state.substr(0, state.size() - 1) + "x").empty());
  }
  for (const char* bad : {"dpor 99999999999999", "dpor 0 1 0 1 5 1 4 4 0 11 0 0 0 0 0 0 0 1 4 0", "dpor 0 1 1 1 3",
                          "dfs 2 1 0 0 5 0 0 2 1 2", "dfs 3 0", "icb 9 0", "dpor 0 1 0 1 0 1 4 5 0 11 0 0 0 0 0 0 0 1 4 0"}) {
    const std::string strategy = std::string(bad).substr(0, std::string(bad).find(' '));
    EXPECT_FALSE(sim::make_strategy(strategy, 1)->restore(bad).empty()) << bad;
  }
}

}  // namespace
}  // namespace lsmc
