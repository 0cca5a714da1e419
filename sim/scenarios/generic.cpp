// Generic scenarios that prove the engine before any kernel model exists. They are written only
// against the public API (Scenario, Setup, model::Env) and double as its worked example; see
// docs/engine.md, "Writing a scenario".
#include <string>

#include "sim/scenario.hpp"

namespace lsmc::sim {

namespace {

using model::Env;

constexpr std::string_view kCounterFields[] = {"value"};
constexpr model::TypeInfo kCounterType{"counter", kCounterFields};

// A shared counter: the C++ value is the model state, the Env calls say when it is touched.
struct Counter {
  model::ObjectId id = model::kNoObject;
  model::ObjectId lock = model::kNoObject;
  int64_t value = 0;
};

// counter++ as the compiler emits it: a load and a store, a scheduling point before each.
void increment(Env& env, Counter& c) {
  env.read(c.id, 0, "increment: load");
  const int64_t seen = c.value;
  env.write(c.id, 0, "increment: store");
  c.value = seen + 1;
}

constexpr ParamSpec kCounterParams[] = {
    {"actors", 2, 1, 16, "actors incrementing the counter"},
    {"increments", 1, 1, 1000, "increments per actor"},
};

class CounterScenario : public Scenario {
public:
  CounterScenario(bool locked) : locked_(locked) {}
  std::string_view name() const override { return locked_ ? "lost-update-locked" : "lost-update"; }
  std::string_view description() const override {
    return locked_ ? "N actors increment a counter under a spinlock: no update is lost (passes)"
                   : "N actors increment a shared counter with a load and a store: an update is "
                     "lost (fails)";
  }
  std::span<const ParamSpec> params() const override { return kCounterParams; }
  bool expected_to_fail() const override { return !locked_; }
  void build(Setup& s) const override {
    auto& c = s.make<Counter>();
    const int64_t actors = s.params().get("actors");
    const int64_t increments = s.params().get("increments");
    const bool locked = locked_ && !s.mutant("unlocked-increment");
    s.spawn("init", [&c, locked](Env& env) {
      c.id = env.alloc(kCounterType, "counter_init");
      if (locked) c.lock = env.new_lock(model::LockKind::kSpin, "counter_lock");
    });
    for (int64_t i = 0; i < actors; ++i) {
      s.spawn("inc" + std::to_string(i), [&c, increments, locked](Env& env) {
        env.wait_until(
            [&c, locked] { return c.id != model::kNoObject && (!locked || c.lock != model::kNoObject); },
            "counter initialised");
        for (int64_t k = 0; k < increments; ++k) {
          if (locked) env.lock(c.lock, "increment: spin_lock");
          increment(env, c);
          if (locked) env.unlock(c.lock, "increment: spin_unlock");
        }
      }, {static_cast<uint16_t>(i % 2)});
    }
    s.at_end([&c, expected = actors * increments](Env& env) {
      env.check(c.value == expected, "assertion",
                "counter is " + std::to_string(c.value) + ", expected " + std::to_string(expected) +
                    ": an increment was lost");
    });
  }

private:
  bool locked_;
};

constexpr std::string_view kPairFields[] = {"value"};
constexpr model::TypeInfo kPairType{"pair", kPairFields};

struct Pair {
  model::ObjectId a = model::kNoObject;
  model::ObjectId b = model::kNoObject;
  model::ObjectId data = model::kNoObject;
  int64_t sum = 0;
};

constexpr ParamSpec kLockParams[] = {
    {"rounds", 1, 1, 100, "times each actor takes both locks"},
};

// Two actors take two mutexes; in the inverted variant they take them in opposite orders.
class LockOrderScenario : public Scenario {
public:
  explicit LockOrderScenario(bool inverted) : inverted_(inverted) {}
  std::string_view name() const override { return inverted_ ? "lock-inversion" : "lock-ordered"; }
  std::string_view description() const override {
    return inverted_ ? "two actors take locks a and b in opposite orders: ABBA deadlock (fails)"
                     : "two actors take locks a and b in the same order (passes)";
  }
  std::span<const ParamSpec> params() const override { return kLockParams; }
  bool expected_to_fail() const override { return inverted_; }
  void build(Setup& s) const override {
    auto& p = s.make<Pair>();
    const int64_t rounds = s.params().get("rounds");
    const bool inverted = inverted_ || s.mutant("swapped-lock-order");
    // Objects made at build time exist before any actor runs (no scheduling point).
    p.a = s.env().new_lock(model::LockKind::kMutex, "a");
    p.b = s.env().new_lock(model::LockKind::kMutex, "b");
    p.data = s.env().alloc(kPairType, "pair_init");
    s.spawn("t0", [&p, rounds](Env& env) {
      for (int64_t r = 0; r < rounds; ++r) {
        env.lock(p.a, "t0: mutex_lock(a)");
        env.lock(p.b, "t0: mutex_lock(b)");
        env.write(p.data, 0, "t0: update");
        p.sum += 1;
        env.unlock(p.b, "t0: mutex_unlock(b)");
        env.unlock(p.a, "t0: mutex_unlock(a)");
      }
    });
    s.spawn("t1", [&p, rounds, inverted](Env& env) {
      const model::ObjectId first = inverted ? p.b : p.a;
      const model::ObjectId second = inverted ? p.a : p.b;
      for (int64_t r = 0; r < rounds; ++r) {
        env.lock(first, inverted ? "t1: mutex_lock(b)" : "t1: mutex_lock(a)");
        env.lock(second, inverted ? "t1: mutex_lock(a)" : "t1: mutex_lock(b)");
        env.write(p.data, 0, "t1: update");
        p.sum += 1;
        env.unlock(second, inverted ? "t1: mutex_unlock(a)" : "t1: mutex_unlock(b)");
        env.unlock(first, inverted ? "t1: mutex_unlock(b)" : "t1: mutex_unlock(a)");
      }
    }, {1});
    s.at_end([&p, rounds](Env& env) {
      env.check(p.sum == 2 * rounds, "assertion", "both actors should have updated the pair");
    });
  }

private:
  bool inverted_;
};

}  // namespace

void add_generic_scenarios(Catalog& catalog) {
  catalog.add(std::make_unique<CounterScenario>(false));
  catalog.add(std::make_unique<CounterScenario>(true));
  catalog.add(std::make_unique<LockOrderScenario>(true));
  catalog.add(std::make_unique<LockOrderScenario>(false));
  catalog.add_mutant({"unlocked-increment",
                      "lost-update-locked forgets its lock: the engine's own canary for lost updates",
                      {"lost-update-locked"}, {}});
  catalog.add_mutant({"swapped-lock-order",
                      "lock-ordered takes its locks in opposite orders: the engine's canary for "
                      "deadlock detection",
                      {"lock-ordered"}, {}});
}

}  // namespace lsmc::sim
