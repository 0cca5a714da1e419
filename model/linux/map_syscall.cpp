// The syscall side of every local storage map (kernel/bpf/syscall.c, v6.18 and v7.0):
// map_lookup_elem(), map_update_elem() and map_delete_elem() hold the map's fd for the whole call
// (CLASS(fd, f) ... __bpf_map_get(f)), then dispatch to the map type's ops; and the map's free.
#include <string>

#include "model/linux/cgrp_storage.hpp"
#include "model/linux/inode_storage.hpp"
#include "model/linux/map_create.hpp"
#include "model/linux/map_fd.hpp"
#include "model/linux/sk_storage.hpp"
#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

namespace {

// The map op as the three commands run it (bpf_map_copy_value(), bpf_map_update_value(),
// map_delete_elem()): under bpf_disable_instrumentation() and rcu_read_lock().
template <class MapOp>
auto without_instrumentation_under_rcu(Env& env, Kernel& k, MapOp op) {
  ++env.context().migrate_disabled;  // bpf_disable_instrumentation()
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  auto r = op();
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  --env.context().migrate_disabled;  // bpf_enable_instrumentation()
  return r;
}

}  // namespace

// map_lookup_elem() (kernel/bpf/syscall.c, v6.18; v7.0 the same): fdget() before the map is
// touched, fdput() after the last use (CLASS(fd, f) releases it at the return).
LookupResult sys_map_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, uint64_t flags) {
  env.access({kNoObject, 0, Op::kSyscall}, "bpf(BPF_MAP_LOOKUP_ELEM)");
  if (flags & ~kBpfFLock) return {kEINVAL, {}};
  // CLASS(fd, f)(attr->map_fd); __bpf_map_get(f): an empty slot is -EBADF.
  if (!fdget(env, smap, "map_lookup_elem: fdget(map_fd): file_ref_get(&file->f_ref)")) return {kEBADF, {}};
  LookupResult r{kEINVAL, {}};
  if (!(flags & kBpfFLock) || smap.has_spin_lock) {
    r = without_instrumentation_under_rcu(env, k, [&] {
      return smap.type == OwnerKind::kTask     ? bpf_pid_task_storage_lookup_elem(env, k, smap, fd)
             : smap.type == OwnerKind::kCgroup ? bpf_cgrp_storage_lookup_elem(env, k, smap, fd)
             : smap.type == OwnerKind::kSock   ? bpf_fd_sk_storage_lookup_elem(env, k, smap, fd)
                                               : bpf_fd_inode_storage_lookup_elem(env, k, smap, fd);
    });
  }
  fdput(env, k, smap, "map_lookup_elem: fdput(f): file_ref_put(&file->f_ref)");
  return r;
}

// map_update_elem() (kernel/bpf/syscall.c, v6.18; v7.0 the same)
int sys_map_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                        uint64_t flags) {
  env.access({kNoObject, 0, Op::kSyscall}, "bpf(BPF_MAP_UPDATE_ELEM)");
  // CLASS(fd, f)(attr->map_fd); __bpf_map_get(f): an empty slot is -EBADF.
  if (!fdget(env, smap, "map_update_elem: fdget(map_fd): file_ref_get(&file->f_ref)")) return kEBADF;
  int err = kEINVAL;
  if (!(flags & kBpfFLock) || smap.has_spin_lock) {
    err = without_instrumentation_under_rcu(env, k, [&] {
      return smap.type == OwnerKind::kTask     ? bpf_pid_task_storage_update_elem(env, k, smap, fd, value, flags)
             : smap.type == OwnerKind::kCgroup ? bpf_cgrp_storage_update_elem(env, k, smap, fd, value, flags)
             : smap.type == OwnerKind::kSock   ? bpf_fd_sk_storage_update_elem(env, k, smap, fd, value, flags)
                                               : bpf_fd_inode_storage_update_elem(env, k, smap, fd, value, flags);
    });
  }
  fdput(env, k, smap, "map_update_elem: fdput(f): file_ref_put(&file->f_ref)");
  return err;
}

// map_delete_elem() (kernel/bpf/syscall.c, v6.18; v7.0 the same)
int sys_map_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd) {
  env.access({kNoObject, 0, Op::kSyscall}, "bpf(BPF_MAP_DELETE_ELEM)");
  // CLASS(fd, f)(attr->map_fd); __bpf_map_get(f): an empty slot is -EBADF.
  if (!fdget(env, smap, "map_delete_elem: fdget(map_fd): file_ref_get(&file->f_ref)")) return kEBADF;
  const int err = without_instrumentation_under_rcu(env, k, [&] {
    return smap.type == OwnerKind::kTask     ? bpf_pid_task_storage_delete_elem(env, k, smap, fd)
           : smap.type == OwnerKind::kCgroup ? bpf_cgrp_storage_delete_elem(env, k, smap, fd)
           : smap.type == OwnerKind::kSock   ? bpf_fd_sk_storage_delete_elem(env, k, smap, fd)
                                             : bpf_fd_inode_storage_delete_elem(env, k, smap, fd);
  });
  fdput(env, k, smap, "map_delete_elem: fdput(f): file_ref_put(&file->f_ref)");
  return err;
}

// bpf_map_free_deferred() (kernel/bpf/syscall.c, v6.18): a kworker, which may sleep. It runs
// only after the last map->refcnt went (bpf_map_put()); a scenario that calls it directly stands
// for that last put, which cannot happen while a syscall holds the map's fd.
void bpf_map_free_deferred(Env& env, Kernel& k, Smap& smap) {
  const Traced traced(env, k, fn("bpf_map_free_deferred"));
  if (smap.f_ref > (smap.fd_installed ? 1 : 0)) {
    env.fail("model-error", "bpf_map_free_deferred of " + smap.name +
                                " while a syscall holds its fd (fdget): the kernel frees a map only at its last "
                                "reference; the scenario must close the fd (close_fd), not free the map");
  }
  bpf_map_free(env, k, smap);
}
}  // namespace lsmc::model::kernel
