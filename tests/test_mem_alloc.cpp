// bpf_mem_alloc as the model keeps it (model/linux/mem_alloc.hpp, memalloc.c v6.18): a freed
// object is dead at once, its linkage stays readable until reuse, free lists are per CPU and LIFO.
#include <gtest/gtest.h>

#include <string>

#include "model/linux/kernel.hpp"
#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
using model::Env;
using test::Lambda;

sim::RunReport run_one(const sim::Scenario& s) {
  sim::RunRequest r;
  r.scenario = &s;
  r.config.executions_max = 50;
  r.observers = properties::default_observers;
  EXPECT_FALSE(sim::resolve_params(s, {}, r.params).has_value());
  return sim::run(r);
}

// The cache and what the actor saw, kept by the scenario.
struct Seen {
  mk::MemCache<mk::Selem> cache{mk::kSelemType, mk::field::kSelemLinkage};
  mk::Ref<mk::Selem> first, second;
};

// What an actor does with the object after freeing it.
enum class After { kReadLinkage, kReadValue, kFreeAgain, kReuseThenReadLinkage };

sim::RunReport free_then(After after) {
  Lambda s([after](sim::Setup& setup) {
    Seen& seen = setup.make<Seen>();
    setup.spawn("a", [&seen, after](Env& env) {
      seen.first = seen.cache.alloc(env, "test: alloc");
      seen.cache.free(env, seen.first, "test: bpf_mem_cache_free");
      switch (after) {
        case After::kReadLinkage: env.read(seen.first.id, mk::field::kSelemMapNode, "test: hlist_unhashed"); break;
        case After::kReadValue: env.read(seen.first.id, mk::field::kSelemData, "test: *sdata"); break;
        case After::kFreeAgain: seen.cache.free(env, seen.first, "test: second free"); break;
        case After::kReuseThenReadLinkage:
          seen.second = seen.cache.alloc(env, "test: alloc again");
          env.read(seen.first.id, mk::field::kSelemMapNode, "test: stale hlist_unhashed");
          break;
      }
    });
  });
  return run_one(s);
}

TEST(MemAlloc, AFreedElementsLinkageStaysReadableUntilReuse) {
  EXPECT_EQ(free_then(After::kReadLinkage).outcome, sim::Outcome::kNothingFound);
}

TEST(MemAlloc, AFreedElementsValueIsDeadBeforeAnyReuse) {
  const sim::RunReport r = free_then(After::kReadValue);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
  EXPECT_NE(r.failure->verdict.message.find("bpf_mem_cache_free"), std::string::npos) << r.failure->verdict.message;
}

TEST(MemAlloc, ASecondFreeIsADoubleFree) {
  const sim::RunReport r = free_then(After::kFreeAgain);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "double-free");
}

TEST(MemAlloc, ReuseEndsTypeStabilityOfTheOldIncarnation) {
  const sim::RunReport r = free_then(After::kReuseThenReadLinkage);
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "use-after-free");
}

// unit_free() and unit_alloc() use the running CPU's list: an object freed on cpu0 is handed out
// again on cpu0 (LIFO), never on cpu1.
TEST(MemAlloc, FreeListsArePerCpuAndLifo) {
  struct St {
    mk::MemCache<mk::Selem> cache{mk::kSelemType, mk::field::kSelemLinkage};
    mk::Selem* freed_on_cpu0 = nullptr;
    mk::Selem* got_on_cpu1 = nullptr;
    mk::Selem* got_on_cpu0 = nullptr;
    bool freed = false;
  };
  Lambda s([](sim::Setup& setup) {
    St& st = setup.make<St>();
    setup.spawn("cpu0", [&st](Env& env) {
      const mk::Ref<mk::Selem> a = st.cache.alloc(env, "test: a");
      st.freed_on_cpu0 = a.p;
      st.cache.free(env, a, "test: free a");
      st.freed = true;
      env.yield("test: cpu1 may allocate first");
      st.got_on_cpu0 = st.cache.alloc(env, "test: again on cpu0").p;
      env.check(st.got_on_cpu0 == st.freed_on_cpu0, "assertion", "cpu0 did not reuse its own freed object");
    }, {0});
    setup.spawn("cpu1", [&st](Env& env) {
      env.wait_until([&st] { return st.freed; }, "test: a freed");
      env.yield("test: cpu0 may allocate first");
      st.got_on_cpu1 = st.cache.alloc(env, "test: on cpu1").p;
      env.check(st.got_on_cpu1 != st.freed_on_cpu0, "assertion", "cpu1 handed out cpu0's freed object");
    }, {1});
  });
  const sim::RunReport r = run_one(s);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
}

}  // namespace
}  // namespace lsmc
