// The engine: scheduling, locks, waits, CPUs, deadlocks, unwinding, limits, determinism.
// Tests state their expected outcome in their name and body (style.md, from GenMC).
#include <gtest/gtest.h>
#include <malloc.h>

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

sim::RunRequest request(const sim::Scenario& s, uint64_t executions = 2000, uint64_t seed = 1) {
  sim::RunRequest r;
  r.scenario = &s;
  r.config.seed = seed;
  r.config.executions_max = executions;
  r.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(s, {}, r.params).has_value());
  return r;
}

// Every Engine gives its fibers' stacks back when it goes (issue 14: Boost frees a terminated
// fiber only when its dispatcher runs; kernel diff, generate and minimise make an Engine per
// sequence, case or search, and grew by the stacks of each). 200 runs here would keep about 150 MB.
TEST(Engine, EnginesGiveTheirFiberStacksBack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "skipped: under ASan the stacks are kept (sim/fiber_pool.cpp) and malloc is ASan's";
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

// A daemon serving requests: the execution ends when the worker is done and the daemon sleeps.
TEST(Engine, AnExecutionEndsWhenOnlyIdleDaemonsAreLeft) {
  constexpr static std::string_view kFields[] = {"n"};
  constexpr static model::TypeInfo kType{"queue", kFields};
  Lambda s([](sim::Setup& setup) {
    struct St {
      model::ObjectId q = 0;
      int requests = 0, served = 0;
    };
    auto& st = setup.make<St>();
    st.q = setup.env().alloc(kType, "queue");
    sim::ActorOptions daemon;
    daemon.daemon = true;
    setup.spawn("kthread", [&st](Env& env) {
      const model::Access reads[] = {{st.q, 0, model::Op::kRead}};
      for (;;) {
        if (!env.idle_until([&st] { return st.requests > st.served; }, "kthread: idle", reads)) return;
        env.write(st.q, 0, "kthread: serve");
        ++st.served;
      }
    }, daemon);
    setup.spawn("worker", [&st](Env& env) {
      for (int i = 0; i < 2; ++i) {
        env.write(st.q, 0, "worker: request");
        ++st.requests;
      }
    });
    setup.at_end([&st](Env& env) { env.check(st.served == 2, "assertion", "a request was not served"); });
  });
  sim::RunRequest r = request(s, 100000);
  r.config.strategy = "dfs";
  const sim::RunReport report = sim::run(r);
  EXPECT_EQ(report.outcome, sim::Outcome::kNothingFound);
  EXPECT_EQ(report.stop_reason, "space exhausted");
}

TEST(Engine, ADaemonBlockedOutsideItsIdlePointIsADeadlock) {
  Lambda s([](sim::Setup& setup) {
    auto& never = setup.make<bool>(false);
    sim::ActorOptions daemon;
    daemon.daemon = true;
    setup.spawn("kthread", [&never](Env& env) { env.wait_until([&never] { return never; }, "never"); }, daemon);
    setup.spawn("worker", [](Env& env) { env.yield("work"); });
  });
  const sim::RunReport r = sim::run(request(s, 10));
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  Lambda not_daemon([](sim::Setup& setup) {
    setup.spawn("task", [](Env& env) { (void)env.idle_until([] { return false; }, "idle", {}); });
  });
  const sim::RunReport r2 = sim::run(request(not_daemon, 10));
  ASSERT_EQ(r2.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r2.failure->verdict.property, "model-error");
}

// A wait that declares its reads is held to it: a flag set without an access to a declared field
// is a model error, not a silently unsound DPOR.
TEST(Engine, AWaitChangedByAnUndeclaredStepIsAModelError) {
  constexpr static std::string_view kFields[] = {"v"};
  constexpr static model::TypeInfo kType{"var", kFields};
  Lambda s([](sim::Setup& setup) {
    struct St {
      model::ObjectId declared = 0, other = 0;
      bool flag = false;
    };
    auto& st = setup.make<St>();
    st.declared = setup.env().alloc(kType, "declared");
    st.other = setup.env().alloc(kType, "other");
    setup.spawn("waiter", [&st](Env& env) {
      const model::Access reads[] = {{st.declared, 0, model::Op::kRead}};
      env.wait_until([&st] { return st.flag; }, "flag", reads);
    });
    setup.spawn("setter", [&st](Env& env) {
      env.write(st.other, 0, "setter: writes another field");
      st.flag = true;
    });
  });
  sim::RunRequest r = request(s, 100);
  r.config.strategy = "dfs";
  const sim::RunReport report = sim::run(r);
  ASSERT_EQ(report.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(report.failure->verdict.property, "model-error");
  EXPECT_NE(report.failure->verdict.message.find("touches none of the fields"), std::string::npos)
      << report.failure->verdict.message;
}

// DPOR takes an actor's start (its code before the first scheduling point) to commute with the
// steps of others, so a wait that declares its reads may not depend on what that code changes.
TEST(Engine, AWaitChangedByAnActorsStartIsAModelError) {
  constexpr static std::string_view kFields[] = {"v"};
  constexpr static model::TypeInfo kType{"var", kFields};
  Lambda s([](sim::Setup& setup) {
    auto& flag = setup.make<bool>(false);
    const model::ObjectId var = setup.env().alloc(kType, "var");
    setup.spawn("waiter", [&flag, var](Env& env) {
      const model::Access reads[] = {{var, 0, model::Op::kRead}};
      env.wait_until([&flag] { return flag; }, "flag", reads);
    });
    setup.spawn("setter", [&flag](Env& env) {
      flag = true;
      env.yield("setter");
    });
  });
  sim::RunRequest r = request(s, 100);
  r.config.strategy = "dfs";
  const sim::RunReport report = sim::run(r);
  ASSERT_EQ(report.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(report.failure->verdict.property, "model-error");
  EXPECT_NE(report.failure->verdict.message.find("setter runs before its first scheduling point"), std::string::npos)
      << report.failure->verdict.message;
}

// A wait whose reads are all model::rcu_reader_exits waits for an exit of each reader it names
// (DPOR skips reversing a reader's first exit with it): one that turns true on the exit of the
// first reader alone is a model error, and one that waits for both is not.
TEST(Engine, AWaitForReadersThatEndsBeforeEveryReaderLeftIsAModelError) {
  constexpr static std::string_view kFields[] = {"readers"};
  constexpr static model::TypeInfo kType{"rcu", kFields};
  for (const bool both : {false, true}) {
    Lambda s([both](sim::Setup& setup) {
      struct St {
        model::ObjectId rcu = 0;
        int exits[2] = {0, 0};
      };
      auto& st = setup.make<St>();
      st.rcu = setup.env().alloc(kType, "rcu");
      for (int r = 0; r < 2; ++r) {
        setup.spawn("reader" + std::to_string(r), [&st, r](Env& env) {
          env.access({st.rcu, 0, model::Op::kRcuLock}, "enter");
          env.access({st.rcu, 0, model::Op::kRcuUnlock}, "exit");
          ++st.exits[r];
        });
      }
      setup.spawn("gp", [&st, both](Env& env) {
        env.yield("gp start");
        // The readers still to leave (a reader that has left is not waited for).
        std::vector<model::Access> reads;
        std::vector<int> named;
        for (model::ActorId a = 0; a < 2; ++a) {
          if (st.exits[a] > 0) continue;
          reads.push_back(model::rcu_reader_exits(st.rcu, a));
          named.push_back(static_cast<int>(a));
        }
        if (named.empty()) return;
        env.wait_until([&st, &named, both] {
          bool all = true;
          for (int a : named) all = all && st.exits[a] > 0;
          return both ? all : st.exits[named[0]] > 0;
        }, "readers", reads);
      });
    });
    sim::RunRequest r = request(s, 1000);
    r.config.strategy = "dfs";
    const sim::RunReport report = sim::run(r);
    if (both) {
      EXPECT_EQ(report.outcome, sim::Outcome::kNothingFound);
      EXPECT_EQ(report.stop_reason, "space exhausted");
      continue;
    }
    ASSERT_EQ(report.outcome, sim::Outcome::kViolation);
    EXPECT_EQ(report.failure->verdict.property, "model-error");
    EXPECT_NE(report.failure->verdict.message.find("became true before reader1 left its read-side section"),
              std::string::npos)
        << report.failure->verdict.message;
  }
}

TEST(Engine, WaitUntilReleasesWhenTheConditionHolds) {
  Lambda s([](sim::Setup& setup) {
    auto& v = setup.make<int>(0);
    setup.spawn("producer", [&v](Env& env) {
      env.yield("producer");
      v = 1;
    });
    setup.spawn("consumer", [&v](Env& env) {
      env.wait_until([&v] { return v == 1; }, "v == 1");
      env.check(v == 1, "assertion", "woke before the condition held");
    });
  });
  EXPECT_EQ(sim::run(request(s, 500)).outcome, sim::Outcome::kNothingFound);
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

TEST(Engine, ASecondEngineOnTheSameThreadIsRefused) {
  sim::Config config;
  sim::Engine first(config);
  EXPECT_THROW(sim::Engine second(config), std::logic_error);
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
