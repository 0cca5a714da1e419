// The kernel's own assertions in the modelled functions (v6.18), as checks: a violation is a
// finding named after the kernel's report (property "kernel-warning"), the way syzbot reports
// most bugs of this code. The model states the lockdep view (CONFIG_PROVE_RCU, as syzbot runs).
#pragma once

#include <string>
#include <string_view>

#include "model/env.hpp"

namespace lsmc::model::kernel {

// rcu_read_lock_held() (kernel/rcu/update.c, v6.18, lockdep): inside rcu_read_lock().
inline bool rcu_read_lock_held(Env& env) {
  return env.context().rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kRcu)] > 0;
}

// bpf_rcu_lock_held() (include/linux/bpf_local_storage.h, v6.18): rcu_read_lock_held() ||
// rcu_read_lock_trace_held() || rcu_read_lock_bh_held().
inline bool bpf_rcu_lock_held(Env& env) {
  return rcu_read_lock_held(env) ||
         env.context().rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kTasksTrace)] > 0;
}

// WARN_ON_ONCE(condition) at `where`: `text` is the condition as the source writes it. Scenario
// set-up (no actor) stands for what happened before the scenario and is not checked.
inline void warn_on_once(Env& env, bool condition, std::string_view text, std::string_view where) {
  if (condition && env.self() != kNoActor) env.fail("kernel-warning", "WARNING in " + std::string(where) + ": WARN_ON_ONCE(" + std::string(text) + ")");
}

// cant_migrate() (include/linux/kernel.h, v6.18, CONFIG_DEBUG_ATOMIC_SLEEP): the caller must not
// be migratable: migrate_disable()d, or preemption off.
inline void cant_migrate(Env& env, std::string_view where) {
  const ActorContext& ctx = env.context();
  if (env.self() != kNoActor && ctx.preemptible() && ctx.migrate_disabled == 0) {
    env.fail("kernel-warning", "BUG: assuming non migratable context at " + std::string(where));
  }
}

}  // namespace lsmc::model::kernel
