// lock-inversion and lock-ordered: two actors and two mutexes, the engine's deadlock example.
#include <string>

#include "sim/scenario.hpp"

namespace lsmc::sim {

namespace {

using model::Env;

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

void register_lock_order(Catalog& catalog) {
  catalog.add(std::make_unique<LockOrderScenario>(true));
  catalog.add(std::make_unique<LockOrderScenario>(false));
  catalog.add_mutant({"swapped-lock-order",
                      "lock-ordered takes its locks in opposite orders: the engine's canary for "
                      "deadlock detection",
                      {"lock-ordered"}, {}, "deadlock"});
}

}  // namespace lsmc::sim
