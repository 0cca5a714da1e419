// The engine's waits: daemons and their idle points, wait_until, and the model errors of a wait
// that does not declare what it reads. Tests state their expected outcome in their name and body.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;
using test::Lambda;
using test::request;

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

}  // namespace
}  // namespace lsmc
