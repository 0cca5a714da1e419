// How an execution ends: what the strategy is told once every actor finished or unwound.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/execution.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;

// Picks the lowest enabled actor, sees every step (as DPOR), and keeps what end_execution got.
class Recorder final : public sim::Strategy {
public:
  std::string_view name() const override { return "recorder"; }
  void begin_execution(uint64_t) override {}
  model::ActorId pick(const sim::ChoicePoint& point) override { return point.enabled[0]; }
  bool sees_every_step() const override { return true; }
  uint64_t draw(uint64_t, std::string_view) override { return 0; }
  bool end_execution(const sim::ExecutionSummary& summary) override {
    pending.assign(summary.pending.begin(), summary.pending.end());
    for (const sim::Pending& p : summary.pending) {
      reads.emplace_back(p.reads.begin(), p.reads.end());
      labels.emplace_back(p.label);
    }
    return true;
  }
  std::vector<sim::Pending> pending;
  std::vector<std::vector<model::Access>> reads;  // copied inside end_execution
  std::vector<std::string> labels;
};

// A daemon asleep at its idle point when the execution ends has its wait's reads (and a label
// built at run time) in its own frames, which unwind before the strategy hears of the end: the
// summary's pending steps must not point there (DPOR interns those reads at end_execution).
TEST(EngineEnd, TheSummarysPendingStepsOwnTheirReadsAndLabels) {
  constexpr static std::string_view kFields[] = {"n"};
  constexpr static model::TypeInfo kType{"queue", kFields};
  struct St {
    model::ObjectId q = 0;
    int requests = 0, served = 0;
  };
  const model::Access* reads_at = nullptr;  // where the daemon's reads array lives (the St is gone after the run)
  test::Lambda s([&reads_at](sim::Setup& setup) {
    St* st = &setup.make<St>();
    st->q = setup.env().alloc(kType, "queue");
    sim::ActorOptions daemon;
    daemon.daemon = true;
    setup.spawn("kthread", [st, &reads_at](Env& env) {
      const model::Access reads[] = {{st->q, 0, model::Op::kRead}};
      reads_at = reads;
      for (;;) {
        if (!env.idle_until([st] { return st->requests > st->served; }, "kthread: idle " + std::to_string(st->served), reads)) {
          return;
        }
        env.write(st->q, 0, "kthread: serve");
        ++st->served;
      }
    }, daemon);
    setup.spawn("worker", [st](Env& env) {
      env.write(st->q, 0, "worker: request");
      ++st->requests;
    });
  });
  sim::Config config;
  sim::Engine engine(config);
  Recorder rec;
  const sim::Params params;
  const sim::Verdict& v = engine.run(s, params, rec, {}, 0);
  ASSERT_EQ(v.kind, sim::VerdictKind::kPass) << v.message;
  ASSERT_EQ(rec.pending.size(), 2u);
  ASSERT_EQ(rec.reads[0].size(), 1u) << "the daemon's pending step is its idle wait";
  EXPECT_EQ(rec.reads[0][0].object, engine.execution().objects().size() - 1);
  EXPECT_EQ(rec.reads[0][0].op, model::Op::kRead);
  EXPECT_EQ(rec.labels[0], "kthread: idle 1");
  EXPECT_NE(rec.pending[0].reads.data(), nullptr);
  EXPECT_NE(static_cast<const void*>(rec.pending[0].reads.data()), static_cast<const void*>(reads_at))
      << "the summary points into the daemon's unwound frame";
}

// A daemon whose idle_until returns false (the execution is over) returns from its body rather
// than being unwound by a throw: the code after its loop runs once an execution, and the run
// passes. One that waits again after the false is unwound as before, and that is no model error.
TEST(EngineEnd, ADaemonReleasedAtItsIdlePointReturnsFromItsBody) {
  for (const bool waits_again : {false, true}) {
    int returned = 0, after_false = 0;
    test::Lambda s([&](sim::Setup& setup) {
      struct St {
        int requests = 0, served = 0;
      };
      St* st = &setup.make<St>();
      sim::ActorOptions daemon;
      daemon.daemon = true;
      setup.spawn("kthread", [st, &returned, &after_false, waits_again](Env& env) {
        for (;;) {
          if (env.idle_until([st] { return st->requests > st->served; }, "kthread: idle", {})) {
            ++st->served;
            continue;
          }
          if (!waits_again) break;
          ++after_false;  // ignores the false and waits again: unwound there
        }
        ++returned;
      }, daemon);
      setup.spawn("worker", [st](Env& env) {
        env.yield("worker: request");
        ++st->requests;
      });
    });
    sim::Config config;
    sim::Engine engine(config);
    Recorder rec;
    const sim::Params params;
    for (uint64_t i = 0; i < 3; ++i) {
      const sim::Verdict& v = engine.run(s, params, rec, {}, i);
      ASSERT_EQ(v.kind, sim::VerdictKind::kPass) << v.message;
    }
    EXPECT_EQ(returned, waits_again ? 0 : 3);
    EXPECT_EQ(after_false, waits_again ? 3 : 0);
  }
}

}  // namespace
}  // namespace lsmc
