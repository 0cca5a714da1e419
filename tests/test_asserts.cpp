// The kernel's own assertions as model checks (model/linux/asserts.hpp): each fires where the
// kernel's would, and not where the kernel's callers set up the context it asks for. And the
// model's paired linkage invariant (properties/kernel_checks.hpp).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "model/linux/local_storage.hpp"
#include "model/linux/task_storage.hpp"
#include "properties/kernel_checks.hpp"
#include "properties/lifetime.hpp"
#include "sim/runner.hpp"
#include "tests/util.hpp"

namespace lsmc {
namespace {

namespace mk = model::kernel;
using model::Env;

// One actor runs `body` on a kernel with a task storage map and a task (with the linkage checker
// when `linkage` is set).
sim::RunReport run_actor(std::function<void(Env&, mk::Kernel&, mk::Smap&, mk::Task&)> body, bool linkage = false) {
  struct St {
    explicit St(Env& env) : k(env, mk::Knobs{}, {}) {}
    mk::Kernel k;
    mk::Smap* m = nullptr;
    mk::Task* t = nullptr;
  };
  test::Lambda s([body, linkage](sim::Setup& setup) {
    St& st = setup.make<St>(setup.env());
    if (linkage) setup.observe(std::make_unique<properties::LinkageChecker>(st.k));
    st.m = &mk::bpf_local_storage_map_alloc(setup.env(), st.k, mk::OwnerKind::kTask, "m", false);
    st.t = &mk::task_for_scenario(setup.env(), st.k, "p", 100);
    setup.spawn("caller", [&st, body](Env& env) { body(env, st.k, *st.m, *st.t); });
  });
  sim::RunRequest r;
  r.scenario = &s;
  r.config.executions_max = 20;
  r.observers = properties::default_observers;
  return sim::run(r);
}

std::string message(const sim::RunReport& r) { return r.failure ? r.failure->verdict.message : "(none)"; }

TEST(KernelAsserts, AHelperCalledOutsideRcuWarnsAsTheKernelDoes) {
  const sim::RunReport r = run_actor([](Env& env, mk::Kernel& k, mk::Smap& m, mk::Task& t) {
    ++env.context().migrate_disabled;
    mk::bpf_task_storage_get(env, k, m, mk::Ref<mk::Task>::of(&t), nullptr, 0, mk::Gfp::kAtomic);
  });
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(r.failure->verdict.property, "kernel-warning");
  EXPECT_EQ(message(r), "WARNING in bpf_task_storage_get: WARN_ON_ONCE(!bpf_rcu_lock_held())");
}

TEST(KernelAsserts, TheBusyLockInAMigratableContextIsACantMigrateBug) {
  const sim::RunReport r = run_actor([](Env& env, mk::Kernel& k, mk::Smap&, mk::Task&) {
    mk::bpf_task_storage_lock(env, k);
  });
  ASSERT_EQ(r.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(message(r), "BUG: assuming non migratable context at bpf_task_storage_lock");
}

// Programs (migrate disabled, under RCU) and syscalls (bpf_disable_instrumentation, rcu_read_lock)
// give every helper and map op the context its assertions ask for.
TEST(KernelAsserts, ProgramsAndSyscallsSatisfyThem) {
  const sim::RunReport r = run_actor([](Env& env, mk::Kernel& k, mk::Smap& m, mk::Task& t) {
    k.run_prog(env, mk::ProgType::kTracing, [&](Env& e, const mk::ProgCtx& c) {
      mk::prog_task_storage_get(e, k, c, m, mk::Ref<mk::Task>::of(&t), mk::kGetFCreate);
      mk::prog_task_storage_delete(e, k, c, m, mk::Ref<mk::Task>::of(&t));
    });
    const mk::Fd fd = mk::pidfd_open(t);
    mk::sys_map_update_elem(env, k, m, fd, mk::Value{1, 0}, mk::kBpfAny);
    mk::sys_map_lookup_elem(env, k, m, fd, 0);
    mk::sys_map_delete_elem(env, k, m, fd);
  });
  EXPECT_EQ(r.outcome, sim::Outcome::kNothingFound) << message(r);
}

// The paired linkage invariant: an element left on its map's bucket list but on no storage list
// (half an unlink done, the other half never) is a finding at the end.
TEST(KernelInvariants, AnElementLinkedOnOneListOnlyAtTheEndIsReported) {
  auto create = [](bool half_unlink) {
    return [half_unlink](Env& env, mk::Kernel& k, mk::Smap& m, mk::Task& t) {
      k.run_prog(env, mk::ProgType::kTracing, [&](Env& e, const mk::ProgCtx& c) {
        const mk::Ref<mk::Selem> sdata = mk::prog_task_storage_get(e, k, c, m, mk::Ref<mk::Task>::of(&t), mk::kGetFCreate);
        if (!half_unlink || !sdata) return;
        t.bpf_storage->list.clear();  // the storage half of an unlink, without the map half
        sdata.p->storage_linked = false;
      });
    };
  };
  EXPECT_EQ(run_actor(create(false), true).outcome, sim::Outcome::kNothingFound);
  const sim::RunReport half = run_actor(create(true), true);
  ASSERT_EQ(half.outcome, sim::Outcome::kViolation);
  EXPECT_EQ(half.failure->verdict.property, "linkage") << message(half);
}

}  // namespace
}  // namespace lsmc
