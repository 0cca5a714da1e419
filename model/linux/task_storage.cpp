#include "model/linux/task_storage.hpp"

#include <vector>

#include "model/linux/inode_storage.hpp"
#include "model/linux/map_create.hpp"
#include "model/linux/rcu_fields.hpp"
#include "model/linux/sk_storage.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/cgrp_storage.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/task_storage_7_0.hpp"

namespace lsmc::model::kernel {

namespace {

// this_cpu_add(): one instruction on x86 (a single step); with bug 5, arm64's separate load and
// store, so that a task preempted between them (migrate_disable() does not stop preemption)
// loses the other task's update.
int busy_add(Env& env, Kernel& k, OwnerKind type, int delta, std::string_view label) {
  Kernel::Busy& b = k.busy(type);
  std::size_t cpu = env.context().cpu;
  if (k.knobs().busy_per_task && !k.bug(Bug::kBusySpuriousEbusy)) {
    cpu = k.knobs().cpus + env.self();  // one counter per task
    while (b.count.size() <= cpu) {
      b.obj.push_back(env.alloc(kBusyType, "bpf_storage_busy(per task)"));
      b.count.push_back(0);
    }
  }
  if (k.bug(Bug::kPercpuBusyNonatomic)) {
    env.read(b.obj[cpu], field::kBusyCount, label);
    const int seen = b.count[cpu];
    env.write(b.obj[cpu], field::kBusyCount, label);
    b.count[cpu] = seen + delta;
  } else {
    env.rmw(b.obj[cpu], field::kBusyCount, label);
    b.count[cpu] += delta;
  }
  return b.count[cpu];
}

}  // namespace

void busy_inc(Env& env, Kernel& k, OwnerKind type) { busy_add(env, k, type, 1, "this_cpu_inc(busy)"); }
void busy_dec(Env& env, Kernel& k, OwnerKind type) { busy_add(env, k, type, -1, "this_cpu_dec(busy)"); }
int busy_inc_return(Env& env, Kernel& k, OwnerKind type) {
  return busy_add(env, k, type, 1, "this_cpu_inc_return(busy)");
}

// bpf_task_storage_lock() (v6.18)
void bpf_task_storage_lock(Env& env, Kernel& k) {
  cant_migrate(env, "bpf_task_storage_lock");
  busy_inc(env, k, OwnerKind::kTask);
}

// bpf_task_storage_unlock() (v6.18)
void bpf_task_storage_unlock(Env& env, Kernel& k) { busy_dec(env, k, OwnerKind::kTask); }

// bpf_task_storage_trylock() (v6.18): fails if anything else on this CPU holds the counter.
bool bpf_task_storage_trylock(Env& env, Kernel& k) {
  cant_migrate(env, "bpf_task_storage_trylock");
  if (busy_inc_return(env, k, OwnerKind::kTask) != 1) {
    busy_dec(env, k, OwnerKind::kTask);
    env.probe("busy counter refused");
    return false;
  }
  return true;
}

// task_storage_lookup() (v6.18)
Ref<Selem> task_storage_lookup(Env& env, Kernel& k, Ref<Task> task, const Smap& smap, bool cacheit) {
  const Ref<Storage> storage = owner_storage_load(env, as_owner(task), "task_storage_lookup: task->bpf_storage");
  if (!storage) return {};
  return bpf_local_storage_lookup(env, k, storage, smap, cacheit);
}

// bpf_task_storage_free() (v6.18): from free_task(), after the last reference and a grace
// period, so no program can still reach the task (bug 2's fix moved it there).
void bpf_task_storage_free(Env& env, Kernel& k, Ref<Task> task) {
  if (k.v7_0()) return v7_0::bpf_task_storage_free(env, k, task);
  const Traced traced(env, k, fn("bpf_task_storage_free"), task);
  ++env.context().migrate_disabled;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(task), "bpf_task_storage_free: task->bpf_storage");
  if (storage) {
    bpf_task_storage_lock(env, k);
    bpf_local_storage_destroy(env, k, storage);
    bpf_task_storage_unlock(env, k);
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;
}

// pidfd_get_pid() + pid_task(pid, PIDTYPE_PID) (kernel/pid.c, v6.18)
int resolve_pidfd(Env& env, const Fd& fd, Ref<Task>& task, std::string_view op) {
  if (fd.kind != Fd::Kind::kPidfd || fd.pid == nullptr) return kEBADF;
  // "We should be in an RCU read side critical section, it should be safe to call pid_task."
  warn_on_once(env, !rcu_read_lock_held(env), "!rcu_read_lock_held()", op);
  env.read(fd.pid->id, field::kPidTask, "pid_task(pid, PIDTYPE_PID)");
  task = fd.pid->task;
  return task ? 0 : kENOENT;
}

// bpf_pid_task_storage_lookup_elem() (v6.18)
LookupResult bpf_pid_task_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (k.v7_0()) return v7_0::bpf_pid_task_storage_lookup_elem(env, k, smap, fd);
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_lookup_elem")) return {err, {}};
  bpf_task_storage_lock(env, k);
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, true);
  bpf_task_storage_unlock(env, k);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

Value bpf_map_copy_value(Env& env, Ref<Selem> sdata) {
  env.read(sdata.id, field::kSelemData, "bpf_map_copy_value");
  Value v = sdata->value;
  v.spin_lock = 0;
  return v;
}

// bpf_pid_task_storage_update_elem() (v6.18): GFP_ATOMIC, under the busy counter. A value with
// a uptr is never updated in place: BPF_F_LOCK is refused first ("(map_flags & BPF_F_LOCK) &&
// btf_record_has_field(map->record, BPF_UPTR)": -EOPNOTSUPP, v6.13 on; 6.18.44 does so).
int bpf_pid_task_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd,
                                     const Value& value, uint64_t flags) {
  if (k.v7_0()) return v7_0::bpf_pid_task_storage_update_elem(env, k, smap, fd, value, flags);
  if ((flags & kBpfFLock) && smap.has_uptr) return kEOPNOTSUPP;
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_update_elem")) return err;
  bpf_task_storage_lock(env, k);
  const SdataOrErr r = bpf_local_storage_update(env, k, as_owner(task), smap, value, flags, Gfp::kAtomic);
  bpf_task_storage_unlock(env, k);
  return r.err;
}

// task_storage_delete() (v6.18): look up first; -EBUSY only if there is something to delete.
int task_storage_delete(Env& env, Kernel& k, Ref<Task> task, Smap& smap, bool nobusy) {
  if (k.v7_0()) return v7_0::task_storage_delete(env, k, task, smap);
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, false);
  if (!sdata) return kENOENT;
  if (!nobusy) return kEBUSY;
  // Programs may still hold the element: it waits for both grace periods (reuse_now=false),
  // unless bug 10 picks the owner-destruction flavour here.
  bpf_selem_unlink(env, k, sdata, k.bug(Bug::kWrongFlavourAtFreeSite));
  return 0;
}

// bpf_pid_task_storage_delete_elem() (v6.18)
int bpf_pid_task_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  if (k.v7_0()) return v7_0::bpf_pid_task_storage_delete_elem(env, k, smap, fd);
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_delete_elem")) return err;
  bpf_task_storage_lock(env, k);
  const int err = task_storage_delete(env, k, task, smap, true);
  bpf_task_storage_unlock(env, k);
  return err;
}

// __bpf_task_storage_get() (v6.18): create only while the task is refcounted (bug 3's gate).
Ref<Selem> __bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                  const Value* value, uint64_t flags, Gfp gfp, bool nobusy) {
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, nobusy);
  if (sdata) return sdata;
  env.read(task.id, field::kOwnerUsage, "__bpf_task_storage_get: refcount_read(&task->usage)");
  const bool alive = task->usage != 0 || k.bug(Bug::kCreateAfterOwnerFree);
  if (alive && (flags & kGetFCreate) && nobusy) {
    const Value zero;
    const SdataOrErr r = bpf_local_storage_update(env, k, Ref<Owner>{task.p, task.id}, smap,
                                                  value ? *value : zero, kBpfNoexist, gfp);
    return r.err ? Ref<Selem>{} : r.sdata;
  }
  return {};
}

// The NULL-owner check every helper makes (bug 17's fix).
bool null_task(Env& env, Kernel& k, Ref<Task> task, std::string_view helper) {
  if (task) return false;
  if (k.bug(Bug::kNullOwner)) {
    env.fail("null-dereference", std::string(helper) + " dereferences a NULL task (bug 17: no owner check)");
  }
  return true;
}

// bpf_task_storage_get_recur() (v6.18): tracing programs. Under busy it still looks up
// (without caching) but never creates.
Ref<Selem> bpf_task_storage_get_recur(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                      const Value* value, uint64_t flags, Gfp gfp) {
  if (k.v7_0()) return v7_0::bpf_task_storage_get(env, k, smap, task, value, flags, gfp);  // no _recur in 7.0
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_get_recur");
  if ((flags & ~kGetFCreate) || null_task(env, k, task, "bpf_task_storage_get_recur")) return {};
  if (k.bug(Bug::kRecursionDeadlock)) {  // before the busy counter existed (bug 4)
    return __bpf_task_storage_get(env, k, smap, task, value, flags, gfp, true);
  }
  if (k.bug(Bug::kBusyFailsLookup)) {  // before 6.2 (bug 6): busy fails everything
    if (!bpf_task_storage_trylock(env, k)) return {};
    const Ref<Selem> r = __bpf_task_storage_get(env, k, smap, task, value, flags, gfp, true);
    bpf_task_storage_unlock(env, k);
    return r;
  }
  const bool nobusy = bpf_task_storage_trylock(env, k);
  const Ref<Selem> data = __bpf_task_storage_get(env, k, smap, task, value, flags, gfp, nobusy);
  if (nobusy) bpf_task_storage_unlock(env, k);
  return data;
}

// bpf_task_storage_get() (v6.18): programs that cannot recurse (LSM, iter, struct_ops).
Ref<Selem> bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                const Value* value, uint64_t flags, Gfp gfp) {
  if (k.v7_0()) return v7_0::bpf_task_storage_get(env, k, smap, task, value, flags, gfp);
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_get");
  if ((flags & ~kGetFCreate) || null_task(env, k, task, "bpf_task_storage_get")) return {};
  if (k.bug(Bug::kBusyFailsLookup)) return bpf_task_storage_get_recur(env, k, smap, task, value, flags, gfp);
  bpf_task_storage_lock(env, k);
  const Ref<Selem> data = __bpf_task_storage_get(env, k, smap, task, value, flags, gfp, true);
  bpf_task_storage_unlock(env, k);
  return data;
}

// bpf_task_storage_delete_recur() (v6.18)
int bpf_task_storage_delete_recur(Env& env, Kernel& k, Smap& smap, Ref<Task> task) {
  if (k.v7_0()) return v7_0::bpf_task_storage_delete(env, k, smap, task);  // no _recur in 7.0
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_delete_recur");
  if (null_task(env, k, task, "bpf_task_storage_delete_recur")) return -kEINVAL;
  if (k.bug(Bug::kRecursionDeadlock)) return -task_storage_delete(env, k, task, smap, true);
  const bool nobusy = bpf_task_storage_trylock(env, k);
  const int ret = task_storage_delete(env, k, task, smap, nobusy);
  if (nobusy) bpf_task_storage_unlock(env, k);
  return -ret;
}

// bpf_task_storage_delete() (v6.18)
int bpf_task_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Task> task) {
  if (k.v7_0()) return v7_0::bpf_task_storage_delete(env, k, smap, task);
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_delete");
  if (null_task(env, k, task, "bpf_task_storage_delete")) return -kEINVAL;
  if (k.bug(Bug::kBusyFailsLookup)) return bpf_task_storage_delete_recur(env, k, smap, task);
  bpf_task_storage_lock(env, k);
  const int ret = task_storage_delete(env, k, task, smap, true);
  bpf_task_storage_unlock(env, k);
  return -ret;
}

// task_storage_map_free() (v6.18)
void task_storage_map_free(Env& env, Kernel& k, Smap& smap) {
  if (k.v7_0()) return v7_0::bpf_local_storage_map_free(env, k, smap);
  bpf_local_storage_map_free(env, k, smap, &k.busy(OwnerKind::kTask));
}

// The verifier's hidden gfp argument: GFP_KERNEL only in a sleepable program outside an RCU read
// section (bpf_rcu_read_lock()); GFP_ATOMIC otherwise (storage_get_func_atomic).
Gfp prog_gfp(Env& env, const ProgCtx& ctx) {
  const bool in_rcu_cs = env.context().rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kRcu)] > 0;
  return ctx.sleepable && !in_rcu_cs ? Gfp::kKernel : Gfp::kAtomic;
}

Ref<Selem> prog_task_storage_get(Env& env, Kernel& k, const ProgCtx& ctx, Smap& smap,
                                 Ref<Task> task, uint64_t flags, const Value* value) {
  const Gfp gfp = prog_gfp(env, ctx);
  return ctx.recur_proto ? bpf_task_storage_get_recur(env, k, smap, task, value, flags, gfp)
                         : bpf_task_storage_get(env, k, smap, task, value, flags, gfp);
}

int prog_task_storage_delete(Env& env, Kernel& k, const ProgCtx& ctx, Smap& smap, Ref<Task> task) {
  return ctx.recur_proto ? bpf_task_storage_delete_recur(env, k, smap, task)
                         : bpf_task_storage_delete(env, k, smap, task);
}

}  // namespace lsmc::model::kernel
