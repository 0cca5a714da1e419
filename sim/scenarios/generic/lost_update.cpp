// lost-update and lost-update-locked: the engine's first example, written only against the public
// API (Scenario, Setup, model::Env); docs/engine.md, "Writing a scenario", walks through it.
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

}  // namespace

void register_lost_update(Catalog& catalog) {
  catalog.add(std::make_unique<CounterScenario>(false));
  catalog.add(std::make_unique<CounterScenario>(true));
  catalog.add_mutant({"unlocked-increment",
                      "lost-update-locked forgets its lock: the engine's own canary for lost updates",
                      {"lost-update-locked"}, {}, "assertion"});
}

}  // namespace lsmc::sim
