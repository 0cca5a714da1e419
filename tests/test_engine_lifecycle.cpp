// An actor's start and end as the enabled set sees them. The engine re-evaluates the enabled set
// at a start only when the actor then holds its CPU, and at an end only when it held it
// (Execution::run_actor, Execution::finished); these tests check each decision's enabled set and
// blocked_by against what the rules give.
#include <gtest/gtest.h>

#include <vector>

#include "sim/execution.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::ActorId;
using model::Env;

// Picks the highest enabled actor, sees every step (as DPOR), and keeps each point's enabled set
// and blocked_by.
class PointRecorder final : public sim::Strategy {
public:
  std::string_view name() const override { return "point-recorder"; }
  void begin_execution(uint64_t) override {}
  ActorId pick(const sim::ChoicePoint& point) override {
    enabled.emplace_back(point.enabled.begin(), point.enabled.end());
    blocked_by.emplace_back(point.blocked_by.begin(), point.blocked_by.end());
    return point.enabled.back();
  }
  bool sees_every_step() const override { return true; }
  uint64_t draw(uint64_t, std::string_view) override { return 0; }
  bool end_execution(const sim::ExecutionSummary&) override { return true; }
  std::vector<std::vector<ActorId>> enabled;
  std::vector<std::vector<ActorId>> blocked_by;
};

constexpr ActorId kNone = sim::kNoActor;

// One execution of `s` under `strategy`, which must pass.
void run_passing(const sim::Scenario& s, PointRecorder& strategy) {
  sim::Engine engine(sim::Config{});
  const sim::Verdict& verdict = engine.run(s, sim::Params{}, strategy, {}, 0);
  ASSERT_EQ(verdict.kind, sim::VerdictKind::kPass) << verdict.message;
}

// CPU 0 has a task and a softirq, which holds the CPU from its start to its end; CPU 1 a task of
// its own. The highest enabled actor runs: "other" (2) first, to its end (it held nothing, so it
// alone leaves the set); then the softirq (1), whose start keeps the task (0) off CPU 0 and whose
// end lets it back on; then the task.
TEST(EngineLifecycle, AStartThatHoldsTheCpuAndAnEndThatReleasesItChangeTheEnabledSet) {
  test::Lambda s([](sim::Setup& setup) {
    setup.spawn("task", [](Env& env) {
      env.yield("task: 1");
      env.yield("task: 2");
    }, {0});
    setup.spawn("softirq", [](Env& env) { env.yield("softirq: 1"); }, {0, model::ContextKind::kSoftirq, false});
    setup.spawn("other", [](Env& env) { env.yield("other: 1"); }, {1});
  });
  PointRecorder strategy;
  ASSERT_NO_FATAL_FAILURE(run_passing(s, strategy));
  const std::vector<std::vector<ActorId>> enabled{
      {0, 1, 2},  // nobody started: "other" starts and reaches its yield
      {0, 1, 2},  // "other" runs its yield and ends
      {0, 1},     // the softirq starts: it holds CPU 0
      {1},        // the task is kept off; the softirq runs its yield and ends
      {0},        // the task starts
      {0},        // its first yield
      {0},        // its second yield, then it ends
  };
  EXPECT_EQ(strategy.enabled, enabled);
  const std::vector<std::vector<ActorId>> blocked_by{
      {kNone, kNone, kNone}, {kNone, kNone, kNone}, {kNone, kNone, kNone}, {1, kNone, kNone},
      {kNone, kNone, kNone}, {kNone, kNone, kNone}, {kNone, kNone, kNone},
  };
  EXPECT_EQ(strategy.blocked_by, blocked_by);
}

// The same with the task holding CPU 0 (preemption off from its code before its first point): a
// start that holds the CPU through the actor's own context() call, and its end, which lets the
// softirq in.
TEST(EngineLifecycle, AnActorThatTakesItsCpuBeforeItsFirstPointKeepsOthersOffUntilItEnds) {
  test::Lambda s([](sim::Setup& setup) {
    setup.spawn("softirq", [](Env& env) { env.yield("softirq: 1"); }, {0, model::ContextKind::kSoftirq, false});
    setup.spawn("task", [](Env& env) {
      ++env.context().irqs_disabled;
      env.yield("task: irqs off");
    }, {0});
  });
  PointRecorder strategy;
  ASSERT_NO_FATAL_FAILURE(run_passing(s, strategy));
  const std::vector<std::vector<ActorId>> enabled{
      {0, 1},  // the task starts and turns IRQs off: the softirq cannot interrupt it
      {1},     // its yield, then it ends (with IRQs still off: it holds CPU 0 no more)
      {0},     // the softirq starts
      {0},     // its yield
  };
  EXPECT_EQ(strategy.enabled, enabled);
  ASSERT_EQ(strategy.blocked_by.size(), 4u);
  EXPECT_EQ(strategy.blocked_by[1], (std::vector<ActorId>{1, kNone}));
}

}  // namespace
}  // namespace lsmc
