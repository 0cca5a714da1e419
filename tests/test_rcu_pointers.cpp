// RCU-protected program pointers (properties/scenarios/kernel/sleepable_rcu_parent.cpp): a
// sleepable program that reaches a task under bpf_rcu_read_lock() may use the task's storage value
// inside the section (the task's free waits for it) but not after it, on both profiles; the
// helper's hidden gfp argument is GFP_ATOMIC inside the section, as the verifier sets it.
#include <gtest/gtest.h>

#include "model/linux/special_fields.hpp"
#include "model/linux/task_storage.hpp"
#include "properties/lifetime.hpp"
#include "properties/scenarios/kernel_helpers.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
namespace ps = properties::scenarios;

TEST(RcuPointers, AValueUsedAfterTheRcuSectionIsReadAfterItsFree) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = test::explore(*c.find("sleepable-rcu-past-unlock"), 2000, profile);
    ASSERT_TRUE(r.failure.has_value()) << profile;
    EXPECT_EQ(r.failure->verdict.property, "use-after-free") << profile;
    EXPECT_NE(r.failure->verdict.message.find("after bpf_rcu_read_unlock() and a sleep"), std::string::npos)
        << r.failure->verdict.message;
  }
}

TEST(RcuPointers, AValueUsedInsideTheRcuSectionIsSafe) {
  const sim::Catalog c = test::catalog();
  for (const char* profile : {"linux-6.18", "linux-7.0"}) {
    const sim::RunReport r = test::explore(*c.find("sleepable-rcu-inside"), 3000, profile);
    EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << profile << ": " << (r.failure ? r.failure->verdict.message : "");
    EXPECT_EQ(r.executions, 3000u) << profile;
  }
}

// Inside bpf_rcu_read_lock() a sleepable program's get with F_CREATE allocates with GFP_ATOMIC
// (else bpf_mem_cache_alloc_flags(GFP_KERNEL) would sleep under rcu_read_lock(), a context finding);
// outside it, with GFP_KERNEL.
TEST(RcuPointers, TheHiddenGfpArgumentFollowsTheRcuSection) {
  auto build = [](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {ps::knobs_with(), false});
    mk::Smap& m = ps::task_map(s.env(), w);
    mk::Task& t = mk::task_for_scenario(s.env(), w.k, "p", 100);
    ps::spawn_work(s, w, "prog", 0, [&w, &m, &t](model::Env& e) {
      w.k.run_prog(e, mk::ProgType::kSyscall, [&](model::Env& e2, const mk::ProgCtx& ctx) {
        e2.check(mk::prog_gfp(e2, ctx) == mk::Gfp::kKernel, "spec", "a sleepable program outside an RCU section: GFP_KERNEL");
        mk::bpf_rcu_read_lock(e2, w.k);
        e2.check(mk::prog_gfp(e2, ctx) == mk::Gfp::kAtomic, "spec", "inside bpf_rcu_read_lock(): GFP_ATOMIC");
        e2.check(bool(mk::prog_task_storage_get(e2, w.k, ctx, m, ps::ref(t), mk::kGetFCreate)), "spec", "created");
        mk::bpf_rcu_read_unlock(e2, w.k);
      });
    });
  };
  test::Lambda s(build);
  const sim::RunReport r = test::explore(s, 50);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
}

// forget_original_parent(): a parent's exit gives its live children the reaper as real_parent, so
// a program reading current->real_parent afterwards does not reach the freed parent.
TEST(RcuPointers, AnExitingParentsChildrenAreReparented) {
  auto build = [](sim::Setup& s) {
    ps::World& w = ps::make_world(s, {ps::knobs_with(), false});
    mk::Task& parent = mk::task_for_scenario(s.env(), w.k, "parent", 100);
    mk::Task& child = mk::task_for_scenario(s.env(), w.k, "child", 101);
    child.real_parent = ps::ref(parent);
    ps::spawn_work(s, w, "exit", 0, [&w, &parent, &child](model::Env& e) {
      mk::do_exit(e, w.k, parent);
      mk::release_task(e, w.k, parent);
      w.k.rcu.synchronize(e, model::RcuFlavour::kRcu);
      mk::bpf_rcu_read_lock(e, w.k);
      e.check(!mk::task_real_parent(e, ps::ref(child), "test: current->real_parent"), "spec", "reparented");
      mk::bpf_rcu_read_unlock(e, w.k);
    });
  };
  test::Lambda s(build);
  const sim::RunReport r = test::explore(s, 50);
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << (r.failure ? r.failure->verdict.message : "");
}

}  // namespace
}  // namespace lsmc
