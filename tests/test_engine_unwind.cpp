// How an aborted execution ends its actors (a prune, a failure): every frame of every started
// actor is cleaned up as a C++ exception would clean it up (sim/actor_unwind.hpp: a forced unwind
// to where the actor's body was entered), and the engine runs the next execution as usual.
#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "sim/execution.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;

// Interleaves the enabled actors (so that each is deep in its frames) and prunes at step prune_at.
class Pruner final : public sim::Strategy {
public:
  explicit Pruner(uint64_t prune_at) : prune_at_(prune_at) {}
  std::string_view name() const override { return "pruner"; }
  void begin_execution(uint64_t) override {}
  model::ActorId pick(const sim::ChoicePoint& point) override {
    if (point.step >= prune_at_) return sim::kPrune;
    return point.enabled[point.step % point.enabled.size()];
  }
  bool sees_every_step() const override { return true; }
  uint64_t draw(uint64_t, std::string_view) override { return 0; }
  bool end_execution(const sim::ExecutionSummary&) override { return true; }

private:
  uint64_t prune_at_;
};

struct Counts {
  int built = 0, destroyed = 0, destroyed_unwinding = 0, caught_all = 0, caught_typed = 0, returned = 0;
};

// A frame with something to clean up. It tells an unwinding from a return as model code does
// (model/linux/kernel.cpp, Traced: fexit programs fire only on a return).
struct Guard {
  explicit Guard(Counts& c) : counts(c), uncaught(std::uncaught_exceptions()) { ++counts.built; }
  ~Guard() {
    ++counts.destroyed;
    if (std::uncaught_exceptions() > uncaught) ++counts.destroyed_unwinding;
  }
  Counts& counts;
  int uncaught;
};

// `depth` nested frames, each with a Guard (and a string on the heap), then `steps` scheduling
// points at the deepest.
void nested(Env& env, Counts& c, int depth, int steps) {
  Guard g(c);
  const std::string label = "nested at depth " + std::to_string(depth) + ", a label long enough for the heap";
  if (depth > 0) {
    nested(env, c, depth - 1, steps);
    return;
  }
  for (int i = 0; i < steps; ++i) env.yield(label);
}

sim::Verdict run_once(const sim::Scenario& s, sim::Strategy& strategy, sim::Engine& engine, uint64_t index) {
  const sim::Params params;
  return engine.run(s, params, strategy, {}, index);
}

TEST(EngineUnwind, APruneCleansUpEveryFrameOfEveryStartedActor) {
  for (uint64_t prune_at : {1u, 2u, 5u, 9u, 12u}) {  // 3 actors x 4 yields: steps 1 to 12
    Counts c;
    test::Lambda s([&c](sim::Setup& setup) {
      for (int a = 0; a < 3; ++a) {
        setup.spawn("a" + std::to_string(a), [&c, a](Env& env) {
          nested(env, c, a + 1, 4);
          ++c.returned;
        });
      }
    });
    sim::Config config;
    sim::Engine engine(config);
    Pruner pruner(prune_at);
    for (uint64_t i = 0; i < 3; ++i) {
      const sim::Verdict v = run_once(s, pruner, engine, i);
      EXPECT_EQ(v.kind, sim::VerdictKind::kPruned) << "prune at " << prune_at;
      EXPECT_EQ(v.step, prune_at);
    }
    EXPECT_GT(c.built, 0);
    EXPECT_EQ(c.destroyed, c.built) << "prune at " << prune_at;
    EXPECT_EQ(c.destroyed_unwinding, c.destroyed) << "std::uncaught_exceptions() counts the unwind";
    EXPECT_EQ(std::uncaught_exceptions(), 0) << "and forgets it once it is over";
    EXPECT_EQ(c.returned, 0);
  }
}

TEST(EngineUnwind, AFailureCleansUpTheFailingActorAndEveryOther) {
  Counts c;
  test::Lambda s([&c](sim::Setup& setup) {
    setup.spawn("deep", [&c](Env& env) { nested(env, c, 6, 50); });
    setup.spawn("shallow", [&c](Env& env) { nested(env, c, 0, 50); });
    setup.spawn("failer", [&c](Env& env) {
      Guard g(c);
      env.yield("before");
      env.yield("before again");
      env.fail("assertion", "failed on purpose");
    });
  });
  sim::Config config;
  sim::Engine engine(config);
  Pruner never(UINT64_MAX);
  for (uint64_t i = 0; i < 3; ++i) {
    const sim::Verdict v = run_once(s, never, engine, i);
    ASSERT_EQ(v.kind, sim::VerdictKind::kViolation);
    EXPECT_EQ(v.message, "failed on purpose");
  }
  EXPECT_EQ(c.built, 3 * (7 + 1 + 1));
  EXPECT_EQ(c.destroyed, c.built);
  EXPECT_EQ(c.destroyed_unwinding, c.destroyed);
  EXPECT_EQ(std::uncaught_exceptions(), 0);
}

// A catch (...) runs and goes on with the unwind when it rethrows; a typed catch never sees it.
TEST(EngineUnwind, ACatchAllThatRethrowsRunsAndATypedCatchDoesNot) {
  Counts c;
  test::Lambda s([&c](sim::Setup& setup) {
    for (int a = 0; a < 2; ++a) {
      setup.spawn("a" + std::to_string(a), [&c](Env& env) {
        Guard outer(c);
        try {
          try {
            nested(env, c, 2, 10);
          } catch (const std::exception&) {
            ++c.caught_typed;
          }
        } catch (...) {
          ++c.caught_all;
          throw;
        }
      });
    }
  });
  sim::Config config;
  sim::Engine engine(config);
  Pruner pruner(6);
  const sim::Verdict v = run_once(s, pruner, engine, 0);
  EXPECT_EQ(v.kind, sim::VerdictKind::kPruned);
  EXPECT_EQ(c.caught_all, 2);
  EXPECT_EQ(c.caught_typed, 0);
  EXPECT_EQ(c.destroyed, c.built);
}

// Model code must not swallow the end of its actor: the run says so.
TEST(EngineUnwind, ACatchAllThatSwallowsIsReported) {
  test::Lambda s([](sim::Setup& setup) {
    for (int a = 0; a < 2; ++a) {
      setup.spawn("a" + std::to_string(a), [](Env& env) {
        try {
          for (int i = 0; i < 10; ++i) env.yield("step");
        } catch (...) {
        }
      });
    }
  });
  sim::Config config;
  sim::Engine engine(config);
  Pruner pruner(4);
  try {
    run_once(s, pruner, engine, 0);
    FAIL() << "no error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("swallowed the engine's abort"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lsmc
