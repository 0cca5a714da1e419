// Helpers the kernel scenarios share: maps, seeded elements, reading a held value, rq locks.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "properties/scenarios/world.hpp"

namespace lsmc::properties::scenarios {

using model::Env;
using mk::OwnerKind;
using mk::ProgCtx;
using mk::ProgType;
using mk::Ref;

inline Ref<mk::Owner> owner(mk::Task& t) { return Ref<mk::Owner>{&t, t.id}; }
inline Ref<mk::Task> ref(mk::Task& t) { return Ref<mk::Task>::of(&t); }

inline mk::Smap& task_map(Env& env, World& w, std::string name = "task_ctx_stor", bool spin_lock = false) {
  return mk::bpf_local_storage_map_alloc(env, w.k, OwnerKind::kTask, std::move(name), spin_lock);
}

// The first element of `t` in `m`, created by the syscall before the scenario starts.
inline void seed_element(Env& env, World& w, mk::Smap& m, mk::Task& t, int64_t data) {
  const mk::SdataOrErr r =
      mk::bpf_local_storage_update(env, w.k, owner(t), m, mk::Value{data, 0}, mk::kBpfAny, mk::Gfp::kAtomic);
  if (r.err) env.fail("model-error", "seeding an element failed with errno " + std::to_string(r.err));
}

// Reads the value a program holds a pointer to (the access that finds a stale pointer), and
// reports the element's RCU age as rcutorture's readers do: how many grace periods of the
// reader's flavour completed since the element was unlinked. A correct free waits for the
// reader, so it never sees an age of 2 or more with the element still readable.
constexpr std::string_view kAgeProbes[2][4] = {
    {"rcu age: rcu 0", "rcu age: rcu 1", "rcu age: rcu 2", "rcu age: rcu 3+"},
    {"rcu age: tasks trace 0", "rcu age: tasks trace 1", "rcu age: tasks trace 2", "rcu age: tasks trace 3+"}};

inline int64_t read_value(Env& env, Ref<mk::Selem> sdata, std::string_view label, const mk::Kernel* k = nullptr) {
  env.read(sdata.id, mk::field::kSelemData, label);
  if (k != nullptr && sdata->retired) {
    const model::ActorContext& ctx = env.context();
    for (std::size_t f = 0; f < model::kRcuFlavours; ++f) {
      if (ctx.rcu_read_depth[f] == 0) continue;
      const uint64_t age = k->rcu.completed(static_cast<model::RcuFlavour>(f)) - sdata->retired_gp[f];
      env.probe(kAgeProbes[f][std::min<uint64_t>(age, 3)]);
    }
  }
  return sdata->value.data;
}

// A raw spinlock held around a program, as the scheduler's rq->lock is around sched_ext
// callbacks and tracepoints in the scheduler.
struct RqLocks {
  std::vector<model::ObjectId> lock;
  RqLocks(Env& env, uint32_t cpus) {
    for (uint32_t c = 0; c < cpus; ++c) lock.push_back(env.new_lock(model::LockKind::kSpin, "rq->__lock"));
  }
};

// A check that an operation succeeded, unless a fault was injected while it ran (the kernel's
// fault-injection points, Env::fault): `before` is faults_injected() read before the call.
inline void check_unless_faulted(Env& e, uint64_t before, bool ok, std::string message) {
  e.check(ok || e.faults_injected() > before, "spec", std::move(message));
}

inline mk::Knobs knobs_with(uint32_t cpus = 2) {
  mk::Knobs k;
  k.cpus = cpus;
  return k;
}

// An actor on CPU 0 forks `parent` as `plan` says (a child that is born exits and is reaped);
// the flag returned is set once copy_process and the child's exit are done.
inline const bool& spawn_fork(sim::Setup& s, World& w, mk::Task& parent, mk::ForkPlan plan) {
  auto& forked = s.make<bool>(false);
  spawn_work(s, w, "fork", 0, [&w, &parent, &forked, plan](Env& e) {
    if (mk::Task* child = mk::copy_process(e, w.k, parent, plan)) {
      mk::do_exit(e, w.k, *child);
      mk::release_task(e, w.k, *child);
    }
    forked = true;
  });
  return forked;
}

// The exit-create program: at fexit of bpf_task_storage_free(), F_CREATE on its task argument.
inline void attach_exit_create(World& w, mk::Smap& m) {
  w.k.attach(mk::fn("bpf_task_storage_free"), mk::AttachKind::kFexit, ProgType::kTracing, [&w, &m](Env& e, const ProgCtx& c) {
    mk::prog_task_storage_get(e, w.k, c, m, c.task, mk::kGetFCreate);
  });
}

// A kernel scenario, on both profiles unless the caller narrows them with set_profiles().
FunctionScenario& add_kernel_scenario(sim::Catalog& c, std::string_view name, std::string_view description,
                                      FunctionScenario::Build build, std::vector<sim::ParamSpec> params = {},
                                      std::vector<std::string_view> probes = {}, bool expected_to_fail = false);

}  // namespace lsmc::properties::scenarios
