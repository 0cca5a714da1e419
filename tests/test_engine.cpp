// The engine: scheduling, locks, waits, CPUs, deadlocks, unwinding, limits, determinism.
// Tests state their expected outcome in their name and body (style.md, from GenMC).
#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;
using test::Lambda;

using test::request;

// Every Engine gives its fibers' stacks back when it goes (issue 14: Boost.Fiber, which the engine
// used then, freed a terminated fiber only when its dispatcher ran; kernel diff, generate and
// minimise make an Engine per sequence, case or search, and grew by the stacks of each). 200 runs
// here would keep about 150 MB.
TEST(Engine, EnginesGiveTheirFiberStacksBack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "skipped: under ASan malloc is ASan's, which mallinfo2 does not count";
#else
  const sim::Catalog c = test::catalog();
  const sim::Scenario* s = c.find("lost-update");
  ASSERT_NE(s, nullptr);
  const auto heap = [] {
    const struct mallinfo2 m = mallinfo2();
    return static_cast<long long>(m.uordblks + m.hblkhd);
  };
  const sim::RunRequest req = request(*s, 1);
  for (int i = 0; i < 20; ++i) sim::run(req);
  const long long before = heap();
  for (int i = 0; i < 200; ++i) sim::run(req);
  EXPECT_LT(heap() - before, 4LL << 20) << "bytes in use grew from " << before << " to " << heap();
#endif
}

TEST(Engine, LostUpdateFailsWithAssertion) {
  sim::Catalog c = test::catalog();
  const sim::RunReport r = sim::run(request(*c.find("lost-update")));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "assertion");
  EXPECT_NE(r.failure->verdict.message.find("increment was lost"), std::string::npos);
  EXPECT_FALSE(r.failure->events.empty()) << "a failure is replayed with events on";
}

TEST(Engine, LostUpdateLockedPassesEveryExecution) {
  sim::Catalog c = test::catalog();
  const sim::RunReport r = sim::run(request(*c.find("lost-update-locked"), 3000));
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound);
  EXPECT_EQ(r.executions, 3000u);
  EXPECT_EQ(r.stop_reason, "executions_max");
}

TEST(Engine, LockInversionIsADeadlockNamingWaitersAndHolders) {
  sim::Catalog c = test::catalog();
  const sim::RunReport r = sim::run(request(*c.find("lock-inversion")));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  const std::string& m = r.failure->verdict.message;
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  EXPECT_NE(m.find("t0 (cpu0) waits in t0: mutex_lock(b) for mutex 'b'#2 held by t1"), std::string::npos) << m;
  EXPECT_NE(m.find("t1 (cpu1) waits in t1: mutex_lock(a) for mutex 'a'#1 held by t0"), std::string::npos) << m;
}

TEST(Engine, LockOrderedNeverDeadlocks) {
  sim::Catalog c = test::catalog();
  EXPECT_EQ(sim::run(request(*c.find("lock-ordered"), 3000)).outcome, sim::Outcome::kNothingFound);
}

// A property that fails while the scenario is being set up is a verdict like any other (it used to
// escape run() and end the process).
TEST(Engine, AFailureDuringSetUpIsAVerdictNotACrash) {
  Lambda s([](sim::Setup& setup) {
    setup.spawn("never", [](Env& env) { env.yield("unreachable"); });
    setup.env().fail("model-error", "set-up could not seed its state");
  });
  const sim::RunReport r = sim::run(request(s, 10));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "model-error");
  EXPECT_EQ(r.failure->verdict.message, "set-up could not seed its state");
}

TEST(Engine, TakingAHeldLockAgainIsAnAADeadlock) {
  Lambda s([](sim::Setup& setup) {
    auto& lock = setup.make<model::ObjectId>(setup.env().new_lock(model::LockKind::kSpin, "l"));
    setup.spawn("a", [&lock](Env& env) {
      env.lock(lock, "outer");
      env.lock(lock, "nested");
    });
  });
  const sim::RunReport r = sim::run(request(s, 10));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  EXPECT_NE(r.failure->verdict.message.find("while already holding it (AA)"), std::string::npos);
}

// A spinning waiter keeps preemption off: the holder on the same CPU can never run again.
TEST(Engine, SpinningOnTheHoldersCpuIsADeadlockNamingTheCpu) {
  Lambda s([](sim::Setup& setup) {
    struct St {
      model::ObjectId lock;
      bool held = false;
    };
    auto& st = setup.make<St>();
    st.lock = setup.env().new_lock(model::LockKind::kMutex, "m");
    setup.spawn("holder", [&st](Env& env) {
      env.lock(st.lock, "holder: lock");
      st.held = true;
      env.yield("holder: work");
      env.unlock(st.lock, "holder: unlock");
    }, {0});
    setup.spawn("spinner", [&st](Env& env) {
      env.wait_until([&st] { return st.held; }, "holder has the lock");
      env.context().preempt_disabled++;  // spin with preemption off, on the holder's CPU
      env.lock(st.lock, "spinner: lock");
      env.context().preempt_disabled--;
      env.unlock(st.lock, "spinner: unlock");
    }, {0});
  });
  const sim::RunReport r = sim::run(request(s, 200));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  EXPECT_NE(r.failure->verdict.message.find("holder (cpu0) cannot run: spinner holds cpu0"), std::string::npos)
      << r.failure->verdict.message;
}

TEST(Engine, ActorsOnDifferentCpusDoNotBlockEachOther) {
  Lambda s([](sim::Setup& setup) {
    auto& flag = setup.make<bool>(false);
    setup.spawn("off", [](Env& env) {
      env.context().preempt_disabled++;
      for (int i = 0; i < 3; ++i) env.yield("off: busy");
      env.context().preempt_disabled--;
    }, {0});
    setup.spawn("other", [&flag](Env& env) {
      env.yield("other: run");
      flag = true;
    }, {1});
    setup.at_end([&flag](Env& env) { env.check(flag, "assertion", "other ran"); });
  });
  EXPECT_EQ(sim::run(request(s, 200)).outcome, sim::Outcome::kNothingFound);
}

TEST(Engine, ActorsNotPlacedGetCpusOfTheirOwn) {
  Lambda s([](sim::Setup& setup) {
    setup.spawn("free0", [](Env& env) { env.yield("y"); });
    setup.spawn("placed", [](Env& env) { env.yield("y"); }, {1});
    setup.spawn("free1", [](Env& env) { env.yield("y"); });
    setup.spawn("free2", [](Env& env) { env.yield("y"); });
    setup.spawn("shares", [](Env& env) { env.yield("y"); }, {1});
  });
  sim::Engine engine(sim::Config{});
  auto strategy = sim::make_random_strategy(1);
  sim::Params params;
  engine.run(s, params, *strategy, {}, 0);
  std::vector<uint16_t> cpus;
  for (const auto& a : engine.execution().actors()) cpus.push_back(a.ctx.cpu);
  EXPECT_EQ(cpus, (std::vector<uint16_t>{0, 1, 2, 3, 1}));
}

TEST(Engine, UseAfterFreeNamesBothSites) {
  Lambda s([](sim::Setup& setup) {
    constexpr static std::string_view kFields[] = {"data"};
    constexpr static model::TypeInfo kType{"thing", kFields};
    auto& obj = setup.make<model::ObjectId>(setup.env().alloc(kType, "setup"));
    setup.spawn("freer", [&obj](Env& env) { env.free(obj, "thing_free"); });
    setup.spawn("reader", [&obj](Env& env) { env.read(obj, 0, "thing_read"); });
  });
  const sim::RunReport r = sim::run(request(s, 500));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
  EXPECT_NE(r.failure->verdict.message.find("reader read thing#1.data in thing_read, freed by freer in thing_free"),
            std::string::npos)
      << r.failure->verdict.message;
}

// A load through a pointer another actor cleared is the kernel's oops: the engine reports it as
// a finding (sim/execution.cpp, Execution::access) before the model code after the load could
// touch a null C++ pointer on the host, and the executions after it go on.
TEST(Engine, ALoadThroughAClearedPointerIsANullDereference) {
  Lambda s([](sim::Setup& setup) {
    constexpr static std::string_view kFields[] = {"data"};
    constexpr static model::TypeInfo kType{"thing", kFields};
    auto& ptr = setup.make<model::ObjectId>(setup.env().alloc(kType, "setup"));
    setup.spawn("clearer", [&ptr](Env& env) {
      env.write(ptr, 0, "thing_detach");
      ptr = model::kNoObject;
    });
    setup.spawn("reader", [&ptr](Env& env) {
      env.yield("before_deref");
      env.read(ptr, 0, "thing_deref");
    });
  });
  const sim::RunReport r = sim::run(request(s, 500));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "null-dereference");
  EXPECT_NE(r.failure->verdict.message.find("thing_deref: a load or store through a NULL pointer"), std::string::npos)
      << r.failure->verdict.message;
}

TEST(Engine, DoubleFreeIsFound) {
  Lambda s([](sim::Setup& setup) {
    constexpr static std::string_view kFields[] = {"data"};
    constexpr static model::TypeInfo kType{"thing", kFields};
    auto& obj = setup.make<model::ObjectId>(setup.env().alloc(kType, "setup"));
    for (int i = 0; i < 2; ++i) setup.spawn("f" + std::to_string(i), [&obj](Env& env) { env.free(obj, "free"); });
  });
  const sim::RunReport r = sim::run(request(s, 50));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "double-free");
}

TEST(Engine, StepsLimitIsItsOwnOutcome) {
  Lambda s([](sim::Setup& setup) {
    setup.spawn("spin", [](Env& env) {
      for (;;) env.yield("spin forever");
    });
  });
  sim::RunRequest r = request(s, 5);
  r.config.steps_max = 100;
  const sim::RunReport rep = sim::run(r);
  ASSERT_EQ(rep.outcome, sim::Outcome::kLimit);
  EXPECT_EQ(rep.failure->verdict.property, "steps_max");
  EXPECT_EQ(rep.failure->verdict.kind, sim::VerdictKind::kLimit);
}

TEST(Engine, AnExceptionInModelCodeIsReportedAndOtherActorsUnwind) {
  Lambda s([](sim::Setup& setup) {
    auto& lock = setup.make<model::ObjectId>(setup.env().new_lock(model::LockKind::kMutex, "l"));
    setup.spawn("holder", [&lock](Env& env) {
      env.lock(lock, "take");
      for (int i = 0; i < 5; ++i) env.yield("hold");
      env.unlock(lock, "drop");
    });
    setup.spawn("thrower", [](Env& env) {
      env.yield("before");
      throw std::runtime_error("model bug");
    });
  });
  const sim::RunReport r = sim::run(request(s, 100));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "exception");
  EXPECT_NE(r.failure->verdict.message.find("thrower threw: model bug"), std::string::npos);
}

TEST(Engine, AnEngineIsReusedAcrossManyFailingExecutions) {
  sim::Catalog c = test::catalog();
  sim::Config config;
  sim::Engine engine(config);
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(*c.find("lock-inversion"), {}, params));
  auto strategy = sim::make_random_strategy(7);
  int deadlocks = 0;
  for (uint64_t i = 0; i < 500; ++i) {
    const sim::Verdict& v = engine.run(*c.find("lock-inversion"), params, *strategy, {}, i);
    deadlocks += v.property == "deadlock";
    ASSERT_NE(v.kind, sim::VerdictKind::kDivergence);
  }
  EXPECT_GT(deadlocks, 0);
  EXPECT_LT(deadlocks, 500);
}

// The fibers switch with boost::context alone (sim/fiber_pool.hpp): nothing is per thread, so two
// Engines may live on one thread and run in turn, each as it would alone. (Under Boost.Fiber, whose
// scheduler is per thread, a second Engine was refused with a logic_error.)
TEST(Engine, TwoEnginesOnOneThreadRunInTurnAsEachWouldAlone) {
  sim::Catalog c = test::catalog();
  const sim::Scenario& s = *c.find("lock-inversion");
  sim::Params params;
  ASSERT_FALSE(sim::resolve_params(s, {}, params));
  sim::Config config;
  const auto verdicts = [&](sim::Engine& engine, sim::Engine* other) {
    auto strategy = sim::make_random_strategy(7);
    auto other_strategy = sim::make_random_strategy(8);
    std::vector<std::string> seen;
    for (uint64_t i = 0; i < 50; ++i) {
      const sim::Verdict& v = engine.run(s, params, *strategy, {}, i);
      seen.push_back(v.property + "@" + std::to_string(v.step));
      if (other != nullptr) other->run(s, params, *other_strategy, {}, i);
    }
    return seen;
  };
  std::vector<std::string> alone;
  {
    sim::Engine engine(config);
    alone = verdicts(engine, nullptr);
  }
  sim::Engine first(config);
  sim::Engine second(config);
  EXPECT_EQ(verdicts(first, &second), alone);
  EXPECT_NE(std::count(alone.begin(), alone.end(), alone.front()), 50) << "the runs differ from each other";
}

TEST(Engine, DrawsAreRecordedAndReplayed) {
  Lambda s([](sim::Setup& setup) {
    auto& seen = setup.make<uint64_t>(0);
    setup.spawn("drawer", [&seen](Env& env) { seen = env.choose(5, "pick"); });
    setup.at_end([&seen](Env& env) { env.check(seen != 3, "assertion", "drew 3"); });
  });
  const sim::RunReport r = sim::run(request(s, 500));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  ASSERT_EQ(r.failure->decisions.size(), 1u);
  EXPECT_EQ(r.failure->decisions[0].kind, sim::Decision::Kind::kDraw);
  EXPECT_EQ(r.failure->decisions[0].value, 3u);
}

// A scenario whose behaviour depends on something outside the execution (here: how many times
// it was built) is caught by the determinism check.
TEST(Engine, DeterminismCheckCatchesHiddenState) {
  int builds = 0;
  Lambda s([&builds](sim::Setup& setup) {
    const bool odd = ++builds % 2 == 1;
    setup.spawn("a", [odd](Env& env) {
      env.yield("a1");
      if (odd) env.yield("a2");
    });
    setup.spawn("b", [](Env& env) { env.yield("b1"); });
  });
  sim::RunRequest r = request(s, 20);
  r.config.determinism_check_every = 1;
  const sim::RunReport rep = sim::run(r);
  EXPECT_EQ(rep.outcome, sim::Outcome::kNondeterminism);
  EXPECT_NE(rep.nondeterminism.find("not deterministic"), std::string::npos) << rep.nondeterminism;
}

TEST(Engine, DeterminismCheckPassesADeterministicScenario) {
  sim::Catalog c = test::catalog();
  sim::RunRequest r = request(*c.find("lost-update-locked"), 500);
  r.config.determinism_check_every = 1;
  EXPECT_EQ(sim::run(r).outcome, sim::Outcome::kNothingFound);
}

TEST(Engine, ConfigRejectsImpossibleKnobs) {
  sim::Config c;
  EXPECT_TRUE(sim::set_config_field(c, "steps_max", "0"));
  EXPECT_TRUE(sim::set_config_field(c, "steps_max", "-3"));
  EXPECT_TRUE(sim::set_config_field(c, "steps_max", "12x"));
  EXPECT_TRUE(sim::set_config_field(c, "no_such_field", "1"));
  EXPECT_FALSE(sim::set_config_field(c, "steps_max", "77"));
  EXPECT_EQ(c.steps_max, 77u);
}

TEST(Engine, ScenarioParametersAreChecked) {
  sim::Catalog c = test::catalog();
  sim::Params p;
  EXPECT_TRUE(sim::resolve_params(*c.find("lost-update"), {{"actors", 0}}, p));
  EXPECT_TRUE(sim::resolve_params(*c.find("lost-update"), {{"nope", 1}}, p));
  EXPECT_FALSE(sim::resolve_params(*c.find("lost-update"), {{"actors", 3}}, p));
  EXPECT_EQ(p.get("actors"), 3);
  EXPECT_EQ(p.get("increments"), 1);
}

}  // namespace
}  // namespace lsmc
