// The Env's own synchronisation for a scenario's objects (model/env.hpp): RCU read sections and
// grace periods, condition variables, memory reused at the same address (ABA), and names built at
// run time. Each behaviour is checked exhaustively with DPOR where it holds, and found where a
// scenario breaks it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/heap.hpp"
#include "sim/names.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

using model::Env;
using model::ObjectId;
using test::Lambda;

constexpr std::string_view kNodeFields[] = {"value", "next"};
constexpr model::TypeInfo kNode{"node", kNodeFields};
constexpr std::string_view kSlotFields[] = {"ptr"};
constexpr model::TypeInfo kSlot{"slot", kSlotFields};

sim::RunReport run(const sim::Scenario& s, const std::string& strategy = "dpor", uint64_t executions = 100000) {
  sim::RunRequest r = test::request(s, executions);
  r.config.strategy = strategy;
  return sim::run(r);
}

// An RCU-protected pointer: a reader dereferences it inside a read-side section while an updater
// publishes a new object and frees the old one, after synchronize_rcu() or (`grace` false) at once.
Lambda rcu_pointer(bool grace, model::RcuFlavour flavour) {
  return Lambda([grace, flavour](sim::Setup& s) {
    struct State {
      ObjectId slot = 0, obj = 0;
    };
    State& st = s.make<State>();
    st.slot = s.env().alloc(kSlot, "init");
    st.obj = s.env().alloc(kNode, "init");
    s.spawn("reader", [&st, flavour](Env& env) {
      env.rcu_read_lock(flavour);
      env.read(st.slot, 0, "reader: rcu_dereference");
      const ObjectId seen = st.obj;
      env.read(seen, 0, "reader: load value");
      env.rcu_read_unlock(flavour);
    });
    s.spawn("updater", [&st, grace, flavour](Env& env) {
      const ObjectId fresh = env.alloc(kNode, "updater: alloc");
      env.write(st.slot, 0, "updater: rcu_assign_pointer");
      const ObjectId old = st.obj;
      st.obj = fresh;
      if (grace) env.synchronize_rcu(flavour);
      env.free(old, "updater: free old");
    });
  });
}

TEST(EnvRcu, AGracePeriodKeepsTheReadersObjectAliveInEverySchedule) {
  const Lambda s = rcu_pointer(true, model::RcuFlavour::kRcu);
  const sim::RunReport r = run(s);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_EQ(r.stop_reason, "space exhausted");
}

TEST(EnvRcu, FreeingWithoutAGracePeriodIsAUseAfterFree) {
  const Lambda s = rcu_pointer(false, model::RcuFlavour::kRcu);
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free") << r.failure->verdict.message;
}

// A scenario that uses only the Tasks Trace flavour needs nothing of the other.
TEST(EnvRcu, AScenarioWithOnlyOneFlavourWorks) {
  const Lambda good = rcu_pointer(true, model::RcuFlavour::kTasksTrace);
  EXPECT_EQ(run(good).outcome, sim::Outcome::kNothingFound);
  const Lambda bad = rcu_pointer(false, model::RcuFlavour::kTasksTrace);
  EXPECT_EQ(run(bad).outcome, sim::Outcome::kViolation);
}

// The flavours are independent: a regular grace period does not wait for a Tasks Trace reader.
TEST(EnvRcu, AGracePeriodWaitsOnlyForReadersOfItsFlavour) {
  Lambda s([](sim::Setup& s) {
    auto& obj = s.make<ObjectId>(s.env().alloc(kNode, "init"));
    s.spawn("reader", [&obj](Env& env) {
      env.rcu_read_lock(model::RcuFlavour::kTasksTrace);
      env.read(obj, 0, "reader: load");
      env.read(obj, 0, "reader: load again");
      env.rcu_read_unlock(model::RcuFlavour::kTasksTrace);
    });
    s.spawn("updater", [&obj](Env& env) {
      env.synchronize_rcu(model::RcuFlavour::kRcu);
      env.free(obj, "updater: free");
    });
  });
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
}

// The rules the header states, each an "rcu" violation naming what was done.
TEST(EnvRcu, BrokenRulesAreRcuViolations) {
  struct Case {
    std::function<void(Env&)> body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](Env& env) { env.rcu_read_unlock(); }, "a calls rcu_read_unlock() outside a read-side critical section"},
      {[](Env& env) {
         env.rcu_read_lock();
         env.synchronize_rcu();
       },
       "a calls synchronize_rcu() inside a read-side critical section: the grace period would wait for it"},
      {[](Env& env) { env.rcu_read_lock(); }, "a ends inside an RCU read-side critical section"},
  };
  for (const Case& c : cases) {
    Lambda s([&c](sim::Setup& s) { s.spawn("a", c.body); });
    const sim::RunReport r = run(s, "random", 1);
    ASSERT_EQ(r.outcome, sim::Outcome::kViolation) << c.message;
    EXPECT_EQ(r.failure->verdict.property, "rcu");
    EXPECT_EQ(r.failure->verdict.message, c.message);
  }
}

TEST(EnvRcu, ReadSectionsRaiseTheContextsRcuDepth) {
  Lambda s([](sim::Setup& s) {
    s.spawn("a", [](Env& env) {
      env.rcu_read_lock();
      env.rcu_read_lock();
      env.check(env.context().rcu_read_depth[0] == 2 && !env.context().may_sleep(), "assertion", "depth not 2");
      env.rcu_read_unlock();
      env.rcu_read_unlock();
      env.check(env.context().rcu_read_depth[0] == 0, "assertion", "depth not 0");
    });
  });
  EXPECT_EQ(run(s, "random", 1).outcome, sim::Outcome::kNothingFound);
}

// A waiter and a waker of one flag. Right: the waiter tests the flag holding the mutex, and the
// waker sets it and signals holding it too. `checked_under_lock` false: the waiter tests it first
// and then sleeps; `waker_locks` false: the waker sets and signals without the mutex. Either way
// the wake-up can come between the test and the sleep, and be lost.
Lambda flag_and_wakeup(bool checked_under_lock, bool waker_locks = true) {
  return Lambda([checked_under_lock, waker_locks](sim::Setup& s) {
    struct State {
      ObjectId mutex = 0, cv = 0, flag_obj = 0;
      bool flag = false;
    };
    State& st = s.make<State>();
    st.mutex = s.env().new_lock(model::LockKind::kMutex, "mutex");
    st.cv = s.env().new_condvar("cv");
    st.flag_obj = s.env().alloc(kSlot, "init");
    s.spawn("waiter", [&st, checked_under_lock](Env& env) {
      env.read(st.flag_obj, 0, "waiter: test flag");
      const bool early = st.flag;
      env.lock(st.mutex, "waiter: lock");
      if (checked_under_lock) {
        while (!st.flag) env.cond_wait(st.cv, st.mutex, "waiter: wait");
      } else if (!early) {
        env.cond_wait(st.cv, st.mutex, "waiter: wait");
      }
      env.unlock(st.mutex, "waiter: unlock");
    });
    s.spawn("waker", [&st, waker_locks](Env& env) {
      if (waker_locks) env.lock(st.mutex, "waker: lock");
      env.write(st.flag_obj, 0, "waker: set flag");
      st.flag = true;
      env.cond_signal(st.cv, "waker: signal");
      if (waker_locks) env.unlock(st.mutex, "waker: unlock");
    });
  });
}

TEST(EnvCondvar, TheFlagTestedUnderTheMutexNeverLosesItsWakeUp) {
  const Lambda s = flag_and_wakeup(true);
  const sim::RunReport r = run(s);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_EQ(r.stop_reason, "space exhausted");
}

TEST(EnvCondvar, AWakeUpSentBeforeTheSleepIsLostAndTheSleeperDeadlocks) {
  const Lambda s = flag_and_wakeup(false);
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  EXPECT_NE(r.failure->verdict.message.find("waiter (cpu0) waits for waiter: wait"), std::string::npos)
      << r.failure->verdict.message;
}

TEST(EnvCondvar, AFlagSetWithoutTheMutexCanLoseItsWakeUpToo) {
  const Lambda s = flag_and_wakeup(true, false);
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
}

// Two sleepers, one signal: which one wakes is a choice, and the other sleeps on (a deadlock);
// a broadcast wakes both.
Lambda two_sleepers(bool broadcast) {
  return Lambda([broadcast](sim::Setup& s) {
    struct State {
      ObjectId mutex = 0, cv = 0;
      int asleep = 0;
      std::vector<int> woken;
    };
    State& st = s.make<State>();
    st.mutex = s.env().new_lock(model::LockKind::kMutex, "mutex");
    st.cv = s.env().new_condvar("cv");
    for (int i = 0; i < 2; ++i) {
      s.spawn("sleeper" + std::to_string(i), [&st, i](Env& env) {
        env.lock(st.mutex, "lock");
        ++st.asleep;
        env.cond_wait(st.cv, st.mutex, "wait");
        st.woken.push_back(i);
        env.unlock(st.mutex, "unlock");
      });
    }
    s.spawn("waker", [&st, broadcast](Env& env) {
      env.wait_until([&st] { return st.asleep == 2; }, "both asleep");
      env.lock(st.mutex, "lock");
      if (broadcast) {
        env.cond_broadcast(st.cv, "broadcast");
      } else {
        env.cond_signal(st.cv, "signal");
      }
      env.unlock(st.mutex, "unlock");
    });
    s.at_end([&st](Env& env) { env.check(st.woken.size() == 2, "assertion", "a sleeper did not wake"); });
  });
}

TEST(EnvCondvar, ASignalWakesOneSleeperChosenByTheStrategy) {
  const Lambda s = two_sleepers(false);
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "deadlock");
  bool drew = false;
  for (const sim::Decision& d : r.failure->decisions) drew = drew || (d.kind == sim::Decision::Kind::kDraw && d.bound == 2);
  EXPECT_TRUE(drew) << "which sleeper wakes is a recorded draw";
}

TEST(EnvCondvar, ABroadcastWakesEverySleeper) {
  const Lambda s = two_sleepers(true);
  EXPECT_EQ(run(s).outcome, sim::Outcome::kNothingFound);
}

TEST(EnvCondvar, WaitingWithoutTheMutexIsLockMisuse) {
  Lambda s([](sim::Setup& s) {
    const ObjectId m = s.env().new_lock(model::LockKind::kMutex, "m");
    auto& ids = s.make<std::pair<ObjectId, ObjectId>>(m, s.env().new_condvar("cv"));
    s.spawn("a", [&ids](Env& env) { env.cond_wait(ids.second, ids.first, "a: wait"); });
  });
  const sim::RunReport r = run(s, "random", 1);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "lock-misuse");
  EXPECT_EQ(r.failure->verdict.message, "a sleeps on cv#2.sleepers in a: wait without holding 'm'#1");
}

// A Treiber stack: `popper` reads top (A) and top->next (B), and only then compare-and-swaps top
// from A to B. Meanwhile `churn` pops A and B, frees both, and pushes a new node. With `reuse`
// (nodes from a model::Heap) the new node gets A's address, the popper's compare-and-swap
// succeeds, and top points at the freed B (ABA); with fresh memory it fails, as it should.
Lambda treiber_stack(bool reuse) {
  return Lambda([reuse](sim::Setup& s) {
    struct State {
      model::Heap heap{kNode};
      ObjectId top_obj = 0, top = 0;
      std::map<ObjectId, ObjectId> next;
      std::set<ObjectId> freed;  // the scenario's own bookkeeping, for the final check
      bool popper_read = false;
    };
    State& st = s.make<State>();
    Env& env = s.env();
    st.top_obj = env.alloc(kSlot, "init");
    const ObjectId b = st.heap.alloc(env, "init");
    const ObjectId a = st.heap.alloc(env, "init");
    st.next[a] = b;
    st.top = a;
    s.spawn("popper", [&st](Env& env) {
      env.read(st.top_obj, 0, "pop: load top");
      const ObjectId top = st.top;
      env.read(top, 1, "pop: load top->next");
      const ObjectId next = st.next[top];
      st.popper_read = true;
      env.rmw(st.top_obj, 0, "pop: cmpxchg top");
      if (st.top == top) st.top = next;
    });
    s.spawn("churn", [&st, reuse](Env& env) {
      env.wait_until([&st] { return st.popper_read; }, "churn: after the popper's loads");
      std::vector<ObjectId> popped;
      for (int i = 0; i < 2; ++i) {
        env.rmw(st.top_obj, 0, "churn: pop");
        if (st.top == 0) break;
        popped.push_back(st.top);
        st.top = st.next[st.top];
      }
      for (auto it = popped.rbegin(); it != popped.rend(); ++it) {
        st.heap.free(env, *it, "churn: free");
        st.freed.insert(*it);
      }
      const ObjectId c = reuse ? st.heap.alloc(env, "churn: alloc") : env.alloc(kNode, "churn: alloc");
      st.freed.erase(c);
      env.write(c, 1, "churn: c->next = top");
      st.next[c] = st.top;
      env.rmw(st.top_obj, 0, "churn: push c");
      st.top = c;
    });
    s.at_end([&st](Env& env) {
      env.check(!st.freed.contains(st.top), "assertion",
                "top is node#" + std::to_string(st.top) + ", which was freed (ABA)");
    });
  });
}

TEST(EnvReuse, AnAddressHandedOutAgainMakesTheTreiberStacksABAVisible) {
  const Lambda s = treiber_stack(true);
  const sim::RunReport r = run(s);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "assertion");
  EXPECT_EQ(r.failure->verdict.message, "top is node#2, which was freed (ABA)");
}

TEST(EnvReuse, WithFreshMemoryTheSameStackHasNoABA) {
  const Lambda s = treiber_stack(false);
  const sim::RunReport r = run(s);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
  EXPECT_EQ(r.stop_reason, "space exhausted");
}

TEST(EnvReuse, TheHeapHandsTheLastFreedAddressOutAgain) {
  Lambda s([](sim::Setup& s) {
    s.spawn("a", [](Env& env) {
      model::Heap heap(kNode);
      const ObjectId x = heap.alloc(env, "alloc x");
      const ObjectId y = heap.alloc(env, "alloc y");
      heap.free(env, x, "free x");
      heap.free(env, y, "free y");
      env.check(heap.alloc(env, "again") == y && heap.alloc(env, "again") == x, "assertion", "not LIFO");
      env.read(x, 0, "x is live again");
    });
  });
  EXPECT_EQ(run(s, "random", 1).outcome, sim::Outcome::kNothingFound);
}

TEST(EnvReuse, AnAccessBetweenTheFreeAndTheReuseIsAUseAfterFree) {
  Lambda s([](sim::Setup& s) {
    s.spawn("a", [](Env& env) {
      const ObjectId x = env.alloc(kNode, "alloc");
      env.free(x, "free");
      env.read(x, 0, "read freed");
    });
  });
  const sim::RunReport r = run(s, "random", 1);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
}

TEST(EnvReuse, ReusingALiveObjectIsAModelError) {
  Lambda s([](sim::Setup& s) {
    s.spawn("a", [](Env& env) {
      const ObjectId x = env.alloc(kNode, "alloc");
      env.reuse(x, kNode, "reuse live");
    });
  });
  const sim::RunReport r = run(s, "random", 1);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "model-error");
  EXPECT_EQ(r.failure->verdict.message, "reuse live reuses node#1, which is live");
}

// Names built at run time outlive the std::string they came from: the failing execution's
// events, taken after every temporary is gone, carry them (ASan checks the rest in CI).
TEST(EnvNames, LabelsAndLockNamesBuiltAtRunTimeSurviveIntoTheTrace) {
  Lambda s([](sim::Setup& s) {
    auto& lock = s.make<ObjectId>(s.env().new_lock(model::LockKind::kSpin, std::string("queue") + std::to_string(7) + "->lock"));
    s.spawn("a", [&lock](Env& env) {
      for (int i = 0; i < 3; ++i) env.yield("step " + std::to_string(i) + " of a long label built at run time");
      env.lock(lock, std::string("take ") + "the lock");
      env.fail("assertion", "stop here");
    });
  });
  const sim::RunReport r = run(s, "random", 1);
  ASSERT_TRUE(r.failure);
  const auto& ev = r.failure->events;
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].label, "step 0 of a long label built at run time");
  EXPECT_EQ(ev[2].label, "step 2 of a long label built at run time");
  EXPECT_EQ(ev[3].label, "take the lock");
  EXPECT_EQ(ev[3].object_text, "queue7->lock#1");
}

TEST(EnvNames, LiteralsAreKeptByReferenceAndOtherTextIsCopiedOnce) {
  sim::Names names;
  const std::string_view literal = "a literal label";
  EXPECT_EQ(names.keep(literal).data(), literal.data());
  std::string built = "built " + std::to_string(42) + " at run time, longer than SSO";
  const std::string_view kept = names.keep(built);
  EXPECT_NE(kept.data(), built.data());
  EXPECT_EQ(kept, built);
  EXPECT_EQ(names.keep(std::string(built)).data(), kept.data()) << "equal texts share one copy";
  built.assign(built.size(), 'x');
  EXPECT_EQ(kept, "built 42 at run time, longer than SSO");
}

// The next execution finds the names the last one copied (no allocation per execution), until
// more than kKeptMax copies have piled up.
TEST(EnvNames, CopiesAreKeptForTheNextExecutionUpToABound) {
  sim::Names names;
  const std::string text = "map" + std::to_string(3) + ", built at run time, longer than SSO";
  const std::string_view kept = names.keep(text);
  names.next_execution();
  EXPECT_EQ(names.keep(text).data(), kept.data());
  EXPECT_EQ(names.copies(), 1u) << "equal texts share one copy across executions too";
  for (std::size_t i = 1; i < sim::Names::kKeptMax; ++i) names.keep("name " + std::to_string(i));
  names.next_execution();
  EXPECT_EQ(names.copies(), sim::Names::kKeptMax) << "at the bound: kept";
  names.keep(std::string("one more"));
  names.next_execution();
  EXPECT_EQ(names.copies(), 0u) << "past the bound the copies are dropped";
  EXPECT_EQ(names.keep(text), text);
}

}  // namespace
}  // namespace lsmc
