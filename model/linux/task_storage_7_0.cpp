#include "model/linux/task_storage_7_0.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/local_storage_7_0.hpp"
#include "model/linux/map_create.hpp"
#include "model/linux/rcu_fields.hpp"

namespace lsmc::model::kernel::v7_0 {

// bpf_task_storage_free() (v7.0): destroy, then clear the task's pointer.
void bpf_task_storage_free(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("bpf_task_storage_free"), task);
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  const Ref<Storage> storage = owner_storage_load(env, as_owner(task), "bpf_task_storage_free: task->bpf_storage");
  if (storage) {
    v7_0::bpf_local_storage_destroy(env, k, storage);
    owner_storage_store(env, as_owner(task), {}, Order::kOnce, "bpf_task_storage_free: RCU_INIT_POINTER(task->bpf_storage, NULL)");
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
}

// bpf_pid_task_storage_lookup_elem() (v7.0)
LookupResult bpf_pid_task_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_lookup_elem")) return {err, {}};
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, true);
  if (!sdata) return {kENOENT, {}};
  return {0, bpf_map_copy_value(env, sdata)};
}

// bpf_pid_task_storage_update_elem() (v7.0): GFP_ATOMIC; a lock failure is the syscall's error.
// BPF_F_LOCK on a value with a uptr is refused first, as in 6.18.
int bpf_pid_task_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                                     uint64_t flags) {
  if ((flags & kBpfFLock) && smap.has_uptr) return kEOPNOTSUPP;
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_update_elem")) return err;
  return v7_0::bpf_local_storage_update(env, k, as_owner(task), smap, value, flags, Gfp::kAtomic).err;
}

// task_storage_delete() (v7.0): bpf_selem_unlink()'s error (-EDEADLK, -ETIMEDOUT) is returned.
int task_storage_delete(Env& env, Kernel& k, Ref<Task> task, Smap& smap) {
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, false);
  if (!sdata) return kENOENT;
  return v7_0::bpf_selem_unlink(env, k, sdata);
}

// bpf_pid_task_storage_delete_elem() (v7.0)
int bpf_pid_task_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  Ref<Task> task;
  if (int err = resolve_pidfd(env, fd, task, "bpf_pid_task_storage_delete_elem")) return err;
  return v7_0::task_storage_delete(env, k, task, smap);
}

// bpf_task_storage_get() (v7.0): one proto for every program type; create only while the task is
// refcounted (bug 3's gate).
Ref<Selem> bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task, const Value* value,
                                uint64_t flags, Gfp gfp) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_get");
  if ((flags & ~kGetFCreate) || null_task(env, k, task, "bpf_task_storage_get")) return {};
  const Ref<Selem> sdata = task_storage_lookup(env, k, task, smap, true);
  if (sdata) return sdata;
  env.read(task.id, field::kOwnerUsage, "bpf_task_storage_get: refcount_read(&task->usage)");
  const bool alive = task->usage != 0 || k.bug(Bug::kCreateAfterOwnerFree);
  if (alive && (flags & kGetFCreate)) {
    const Value zero;
    const SdataOrErr r = v7_0::bpf_local_storage_update(env, k, as_owner(task), smap, value ? *value : zero,
                                                  kBpfNoexist, gfp);
    return r.err ? Ref<Selem>{} : r.sdata;
  }
  return {};
}

// bpf_task_storage_delete() (v7.0)
int bpf_task_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Task> task) {
  warn_on_once(env, !bpf_rcu_lock_held(env), "!bpf_rcu_lock_held()", "bpf_task_storage_delete");
  if (null_task(env, k, task, "bpf_task_storage_delete")) return -kEINVAL;
  return -v7_0::task_storage_delete(env, k, task, smap);
}

}  // namespace lsmc::model::kernel::v7_0
