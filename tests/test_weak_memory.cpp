// The engine under a weak memory model (Config::memory_model, model/cell.hpp, sim/memory.hpp):
// which outcomes small programs reach under sc, tso and lkmm (exhaustively, with DPOR), that the
// message-passing and store-buffering mutants are found only under the models that allow their
// reordering, and that a weak trace replays and re-runs byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "model/cell.hpp"
#include "properties/lifetime.hpp"
#include "tests/util.hpp"
#include "traces/minimize.hpp"
#include "traces/replay.hpp"
#include "traces/trace.hpp"

namespace lsmc {
namespace {

using model::Env;
using model::Order;

constexpr std::string_view kFields[] = {"x", "y"};
constexpr model::TypeInfo kType{"vars", kFields};

struct Vars {
  bool flag = false;  // a condition one actor sets in C++ and the other waits for
  model::ObjectId id = model::kNoObject;
  model::ObjectId lock = model::kNoObject;
  model::Cell<int64_t> v[2];
  int64_t r[4] = {0, 0, 0, 0};
};

using Body = std::function<void(Env&, Vars&)>;
using Outcomes = std::set<std::vector<int64_t>>;

// Every final (r0, r1, r2, r3) of two actors under `model`, explored exhaustively with DPOR.
Outcomes outcomes(const std::string& model, Body p0, Body p1) {
  Outcomes seen;
  test::Lambda scenario([&](sim::Setup& s) {
    auto& v = s.make<Vars>();
    v.id = s.env().alloc(kType, "init");
    v.lock = s.env().new_lock(model::LockKind::kSpin, "lock");
    s.spawn("p0", [&v, p0](Env& env) { p0(env, v); }, {0});
    s.spawn("p1", [&v, p1](Env& env) { p1(env, v); }, {1});
    s.at_end([&v, &seen](Env&) { seen.insert({v.r[0], v.r[1], v.r[2], v.r[3]}); });
  });
  sim::RunRequest req;
  req.scenario = &scenario;
  req.config.strategy = "dpor";
  req.config.memory_model = model;
  req.config.executions_max = 100000;
  const sim::RunReport report = sim::run(req);
  EXPECT_EQ(report.stop_reason, "space exhausted") << model;
  return seen;
}

int64_t ld(Env& env, Vars& v, int i, Order o) { return v.v[i].load(env, v.id, static_cast<uint16_t>(i), o, "load"); }
void st(Env& env, Vars& v, int i, int64_t x, Order o) { v.v[i].store(env, v.id, static_cast<uint16_t>(i), x, o, "store"); }

// Message passing: P0 stores x then y; P1 loads y into r0, then x into r1.
Outcomes mp(const std::string& model, Order w, Order r, bool fences = false) {
  return outcomes(
      model,
      [=](Env& env, Vars& v) {
        st(env, v, 0, 1, Order::kOnce);
        if (fences) env.fence(model::Fence::kWmb, "smp_wmb");
        st(env, v, 1, 1, w);
      },
      [=](Env& env, Vars& v) {
        v.r[0] = ld(env, v, 1, r);
        if (fences) env.fence(model::Fence::kRmb, "smp_rmb");
        v.r[1] = ld(env, v, 0, Order::kOnce);
      });
}

bool has(const Outcomes& o, std::vector<int64_t> r) { return o.count(r) != 0; }

TEST(WeakMemory, MessagePassingReordersOnlyUnderLkmmAndOnlyWithoutOrdering) {
  EXPECT_TRUE(has(mp("lkmm", Order::kOnce, Order::kOnce), {1, 0, 0, 0}));
  EXPECT_EQ(mp("lkmm", Order::kOnce, Order::kOnce).size(), 4u);
  EXPECT_FALSE(has(mp("sc", Order::kOnce, Order::kOnce), {1, 0, 0, 0}));
  EXPECT_FALSE(has(mp("tso", Order::kOnce, Order::kOnce), {1, 0, 0, 0}));
  EXPECT_FALSE(has(mp("lkmm", Order::kRelease, Order::kAcquire), {1, 0, 0, 0}));
  EXPECT_TRUE(has(mp("lkmm", Order::kRelease, Order::kOnce), {1, 0, 0, 0}));
  EXPECT_FALSE(has(mp("lkmm", Order::kOnce, Order::kOnce, true), {1, 0, 0, 0}));
  EXPECT_EQ(mp("sc", Order::kOnce, Order::kOnce), mp("lkmm", Order::kRelease, Order::kAcquire));
}

// Store buffering: each stores its variable, then loads the other's.
Outcomes sb(const std::string& model, bool mb) {
  auto body = [mb](int me) {
    return [me, mb](Env& env, Vars& v) {
      st(env, v, me, 1, Order::kOnce);
      if (mb) env.fence(model::Fence::kMb, "smp_mb");
      v.r[me] = ld(env, v, 1 - me, Order::kOnce);
    };
  };
  return outcomes(model, body(0), body(1));
}

TEST(WeakMemory, StoreBufferingUnderTsoAndLkmmButNotScOrWithSmpMb) {
  EXPECT_FALSE(has(sb("sc", false), {0, 0, 0, 0}));
  EXPECT_TRUE(has(sb("tso", false), {0, 0, 0, 0}));
  EXPECT_TRUE(has(sb("lkmm", false), {0, 0, 0, 0}));
  EXPECT_FALSE(has(sb("tso", true), {0, 0, 0, 0}));
  EXPECT_FALSE(has(sb("lkmm", true), {0, 0, 0, 0}));
}

// Locks order what is done under them (MP+polocks) and the weak mode does not see load buffering
// (a load never reads a store that comes later in the interleaving: docs/memory-model.md).
TEST(WeakMemory, LocksOrderAndLoadBufferingIsNotExplored) {
  const Outcomes locked = outcomes(
      "lkmm",
      [](Env& env, Vars& v) {
        st(env, v, 0, 1, Order::kOnce);
        env.lock(v.lock, "spin_lock");
        st(env, v, 1, 1, Order::kOnce);
        env.unlock(v.lock, "spin_unlock");
      },
      [](Env& env, Vars& v) {
        env.lock(v.lock, "spin_lock");
        v.r[0] = ld(env, v, 1, Order::kOnce);
        env.unlock(v.lock, "spin_unlock");
        v.r[1] = ld(env, v, 0, Order::kOnce);
      });
  EXPECT_FALSE(has(locked, {1, 0, 0, 0}));
  EXPECT_TRUE(has(locked, {1, 1, 0, 0}));
  const auto lb = [](int me) {
    return [me](Env& env, Vars& v) {
      v.r[me] = ld(env, v, me, Order::kOnce);
      st(env, v, 1 - me, 1, Order::kOnce);
    };
  };
  EXPECT_FALSE(has(outcomes("lkmm", lb(0), lb(1)), {1, 1, 0, 0}));  // `lsmc litmus` has it Sometimes
}

// RCU: a reader inside rcu_read_lock() that sees the store after synchronize_rcu() sees the one
// before it; without the read-side section it need not.
TEST(WeakMemory, GracePeriodOrdersReadSideCriticalSections) {
  for (const bool section : {true, false}) {
    const Outcomes o = outcomes(
        "lkmm",
        [](Env& env, Vars& v) {
          st(env, v, 0, 1, Order::kOnce);
          env.fence(model::Fence::kSyncRcu, "synchronize_rcu");
          st(env, v, 1, 1, Order::kOnce);
        },
        [section](Env& env, Vars& v) {
          if (section) env.access({v.id, 0, model::Op::kRcuLock}, "rcu_read_lock");
          v.r[0] = ld(env, v, 1, Order::kOnce);
          v.r[1] = ld(env, v, 0, Order::kOnce);
          if (section) env.access({v.id, 0, model::Op::kRcuUnlock}, "rcu_read_unlock");
        });
    EXPECT_EQ(has(o, {1, 0, 0, 0}), !section) << section;
  }
}

// The Env's own RCU (Env::synchronize_rcu, sim/execution_sync.cpp) under LKMM: a grace period
// orders every read-side section (RCU+sync+read and its mirror), so a reader inside a section that
// sees the store after synchronize_rcu() also sees the store before it. Without the section, or
// without the grace period, LKMM lets it read the old value.
TEST(WeakMemory, EnvSynchronizeRcuOrdersTheScenariosOwnSections) {
  for (const bool section : {true, false}) {
    for (const bool grace : {true, false}) {
      const Outcomes o = outcomes(
          "lkmm",
          [grace](Env& env, Vars& v) {
            st(env, v, 0, 1, Order::kOnce);
            if (grace) env.synchronize_rcu();
            st(env, v, 1, 1, Order::kOnce);
          },
          [section](Env& env, Vars& v) {
            if (section) env.rcu_read_lock();
            v.r[0] = ld(env, v, 1, Order::kOnce);
            v.r[1] = ld(env, v, 0, Order::kOnce);
            if (section) env.rcu_read_unlock();
          });
      EXPECT_EQ(has(o, {1, 0, 0, 0}), !(section && grace)) << "section " << section << " grace " << grace;
      EXPECT_TRUE(has(o, {1, 1, 0, 0})) << "section " << section << " grace " << grace;
    }
  }
}

// The engine's grace periods (sim/memory.cpp): rcu_read_lock() reads the grace periods' starts
// inside its section. A section that missed a start (it began before that grace period) ends
// before the grace period does, so what it stored is seen after it: the pattern of the kernel's
// Documentation/litmus-tests/rcu/RCU+sync+read.litmus (Never). With the read before the
// Rcu-lock event, the load below could read 0.
TEST(WeakMemory, ASectionThatMissedAGracePeriodStartIsSeenAfterItsEnd) {
  const auto memory = sim::make_memory("lkmm");
  memory->begin();
  const model::ObjectId rcu = 1, x = 2;
  uint64_t step = 0;
  const auto access = [&](model::ActorId a, Order o) { return sim::Memory::Access{a, x, 0, o, {}, ++step}; };
  ASSERT_TRUE(memory->rcu(0, rcu, true));
  ASSERT_FALSE(memory->store(access(0, Order::kOnce)).infeasible);
  ASSERT_TRUE(memory->rcu(0, rcu, false));
  ASSERT_TRUE(memory->fence(1, model::Fence::kGracePeriodStart, rcu));
  ASSERT_TRUE(memory->fence(1, model::Fence::kSyncRcu, rcu));
  uint64_t bound = 0;
  const sim::Memory::Result r = memory->load(access(1, Order::kOnce), [&](uint64_t b) {
    bound = b;
    return b - 1;  // the oldest store, if the model allowed a choice
  });
  EXPECT_EQ(bound, 0u) << "the section's store is the only one the load may read";
  EXPECT_EQ(r.index, 1u);
}

// The end of a wait orders the waiter after what the others did (sim/memory_sync.hpp): a flag set
// in C++ after a WRITE_ONCE and waited for is message passing that the kernel's wake-ups order.
TEST(WeakMemory, AWaitOrdersTheWaiterAfterTheOthers) {
  for (const std::string model : {"tso", "lkmm"}) {
    const Outcomes o = outcomes(
        model,
        [](Env& env, Vars& v) {
          st(env, v, 0, 1, Order::kOnce);
          v.flag = true;
          env.yield("after the flag");
        },
        [](Env& env, Vars& v) {
          env.wait_until([&v] { return v.flag; }, "flag set");
          v.r[0] = ld(env, v, 0, Order::kOnce);
        });
    EXPECT_EQ(o, (Outcomes{{1, 0, 0, 0}})) << model;
  }
}

TEST(WeakMemory, PlainAccessesThatRaceAreADataRaceUnderLkmm) {
  for (const Order order : {Order::kPlain, Order::kOnce}) {
    test::Lambda scenario([order](sim::Setup& s) {
      auto& v = s.make<Vars>();
      v.id = s.env().alloc(kType, "init");
      s.spawn("p0", [&v, order](Env& env) { st(env, v, 0, 1, order); }, {0});
      s.spawn("p1", [&v, order](Env& env) { v.r[0] = ld(env, v, 0, order); }, {1});
    });
    sim::RunRequest req;
    req.scenario = &scenario;
    req.config.strategy = "dpor";
    req.config.memory_model = "lkmm";
    const sim::RunReport r = sim::run(req);
    if (order == Order::kPlain) {
      ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
      EXPECT_EQ(r.failure->verdict.property, "data-race");
    } else {
      EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound);
    }
  }
}

sim::RunReport explore_mutant(const sim::Catalog& c, const std::string& scenario, const std::string& mutant,
                              const std::string& model, const std::string& strategy = "dpor",
                              uint64_t executions = 0) {
  sim::RunRequest req;
  req.scenario = c.find(scenario);
  req.config.mutant = mutant;
  req.config.memory_model = model;
  req.config.strategy = strategy;
  req.config.executions_max = executions != 0 ? executions : strategy == "dpor" ? 100000 : 2000;
  req.observers = properties::default_observers;
  return sim::run(req);
}

// The catalog's weak-memory mutants, one test each: found under the model it declares and under
// lkmm, and missed under sc (DPOR explores the small scenarios to the end there, and a kernel
// scenario for 3000 executions, hundreds of times what lkmm needs); the unmutated scenario passes
// a short lkmm run.
class OrderingMutantTest : public ::testing::TestWithParam<std::string> {};

constexpr uint64_t kScBudget = 3000;     // DPOR executions under sc for a scenario DPOR cannot finish
constexpr uint64_t kFindBudget = 2000;   // portfolio executions to find it (the slowest needs ~10 at seed 1)
constexpr uint64_t kCleanBudget = 200;   // portfolio executions of the unmutated scenario under lkmm

TEST_P(OrderingMutantTest, FoundUnderItsModelAndMissedUnderSc) {
  const sim::Catalog c = test::catalog();
  const sim::MutantInfo* m = c.find_mutant(GetParam());
  ASSERT_NE(m, nullptr);
  for (const auto& s : m->scenarios) {
    SCOPED_TRACE(m->name + " on " + s);
    for (const std::string& model : {m->memory_model, std::string("lkmm")}) {
      const sim::RunReport found = explore_mutant(c, s, m->name, model, "portfolio", kFindBudget);
      ASSERT_EQ(found.outcome, sim::Outcome::kViolation) << model;
      EXPECT_EQ(found.failure->verdict.property, m->property);
    }
    const sim::RunReport sc = explore_mutant(c, s, m->name, "sc", "dpor", kScBudget);
    EXPECT_EQ(sc.outcome, sim::Outcome::kNothingFound);
    EXPECT_TRUE(sc.stop_reason == "space exhausted" || sc.executions == kScBudget) << sc.stop_reason;
    const sim::RunReport clean = explore_mutant(c, s, "", "lkmm", "portfolio", kCleanBudget);
    EXPECT_EQ(clean.outcome, sim::Outcome::kNothingFound);
  }
}

std::vector<std::string> ordering_mutants() {
  std::vector<std::string> out;
  const sim::Catalog c = test::catalog();
  for (const auto& m : c.mutants()) {
    if (m.memory_model != "sc") out.push_back(m.name);
  }
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& ch : n) if (ch == '-') ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Weak, OrderingMutantTest, ::testing::ValuesIn(ordering_mutants()), test_name);

// The kernel model has two (the cache fill's rcu_assign_pointer is ordered by the storage lock
// already: docs/memory-model.md), the proposal's protocol three.
TEST(WeakMemory, OrderingMutantsInTheKernelModelAndInTheProposal) {
  int kernel = 0, proposal = 0;
  const sim::Catalog c = test::catalog();
  for (const auto& m : c.mutants()) {
    if (m.memory_model != "lkmm") continue;
    for (const auto& s : m.scenarios) {
      kernel += s == "create-race" || s == "lookup-vs-replace";
      proposal += s == "proposal-publish-order";
    }
  }
  EXPECT_GE(kernel, 2);
  EXPECT_GE(proposal, 3);
}

// Every scenario that passes under sc passes under lkmm too (a short run each: the model's real
// orderings, docs/memory-model.md).
constexpr int kLkmmExecutions = 15;
constexpr double kLkmmTestSeconds = 1.0;

class LkmmScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LkmmScenarioTest, PassesUnderLkmm) {
  const sim::Catalog c = test::catalog();
  sim::RunRequest req;
  req.scenario = c.find(GetParam());
  ASSERT_NE(req.scenario, nullptr);
  req.config.profile = sim::run_profiles(*req.scenario, nullptr).front();
  req.config.memory_model = "lkmm";
  req.config.executions_max = kLkmmExecutions;
  req.observers = properties::default_observers;
  ASSERT_FALSE(sim::resolve_params(*req.scenario, {}, req.params));
  const sim::RunReport r = sim::run(req);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound)
      << (r.failure ? r.failure->verdict.property + ": " + r.failure->verdict.message : r.nondeterminism);
}

// Every passing scenario (docs/memory-model.md, "The eight scenarios that failed under lkmm"),
// except those whose catalog entry says an execution takes too long under lkmm for this test's
// budget (Scenario::lkmm_seconds_per_execution: many-maps, about 1 s each; it passes).
std::vector<std::string> passing_scenarios() {
  std::vector<std::string> out;
  const sim::Catalog c = test::catalog();
  for (const auto& s : c.scenarios()) {
    if (s->expected_to_fail()) continue;
    if (s->lkmm_seconds_per_execution() * kLkmmExecutions > kLkmmTestSeconds) continue;
    out.emplace_back(s->name());
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Lkmm, LkmmScenarioTest, ::testing::ValuesIn(passing_scenarios()), test_name);

// A weak trace: the same run writes the same bytes; it parses back to the same text; replay
// reproduces every event (the store each load read included) and the verdict; the minimised
// trace still shows the stale read.
TEST(WeakMemory, WeakTraceIsDeterministicByteForByte) {
  const sim::Catalog c = test::catalog();
  std::string texts[2];
  for (auto& text : texts) {
    const sim::RunReport r = explore_mutant(c, "message-passing", "mp-flag-write-once", "lkmm", "portfolio");
    ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
    sim::RunRequest req;
    req.scenario = c.find("message-passing");
    req.config.mutant = "mp-flag-write-once";
    req.config.memory_model = "lkmm";
    text = traces::write_trace(traces::make_trace(*req.scenario, req.params, req.config, *r.failure));
  }
  EXPECT_EQ(texts[0], texts[1]);
  EXPECT_NE(texts[0].find("config memory_model lkmm"), std::string::npos);
  EXPECT_NE(texts[0].find("order=once rf=init label=reader: READ_ONCE(data)"), std::string::npos) << texts[0];
  const traces::Trace t = traces::parse_trace(texts[0], "weak");
  EXPECT_EQ(traces::write_trace(t), texts[0]);
  const traces::ReplayResult replayed = traces::replay(t, c, properties::default_observers);
  EXPECT_EQ(replayed.status, traces::ReplayStatus::kReproduced) << replayed.message;
  EXPECT_EQ(replayed.record.events, t.record.events);
  const traces::MinimizeResult min = traces::minimize(t, c, properties::default_observers, {});
  const std::string small = traces::write_trace(min.minimized);
  EXPECT_NE(small.find("rf=init label=reader: READ_ONCE(data)"), std::string::npos) << small;
}

}  // namespace
}  // namespace lsmc
