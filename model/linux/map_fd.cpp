#include "model/linux/map_fd.hpp"

#include "model/linux/task_storage.hpp"

namespace lsmc::model::kernel {

void map_fd_install(Env& env, Smap& smap) {
  smap.refcnt = 1;   // map_create(): atomic64_set(&map->refcnt, 1)
  smap.usercnt = 1;  // map_create(): atomic64_set(&map->usercnt, 1)
  smap.fd = env.alloc(kFdSlotType, "bpf_map_new_fd: anon_inode_getfd");
  smap.f_ref = 1;
  smap.fd_installed = true;
}

bool fdget(Env& env, Smap& smap, std::string_view label) {
  env.rmw(smap.fd, field::kFdSlotFile, label);
  if (!smap.fd_installed) return false;
  ++smap.f_ref;
  return true;
}

void fdput(Env& env, Kernel& k, Smap& smap, std::string_view label) { fput(env, k, smap, label); }

void fput(Env& env, Kernel& k, Smap& smap, std::string_view label) {
  env.rmw(smap.fd, field::kFdFileRef, label);
  if (--smap.f_ref != 0) return;
  env.probe("map fd: the last file reference went");
  bpf_map_release(env, k, smap);  // ____fput() -> __fput() -> file->f_op->release()
}

void bpf_map_release(Env& env, Kernel& k, Smap& smap) { bpf_map_put_with_uref(env, k, smap); }

void bpf_map_put_uref(Env& env, Kernel&, Smap& smap) {
  // atomic64_dec_and_test(&map->usercnt): local storage has no ops->map_release_uref.
  env.rmw(smap.id, field::kSmapUsercnt, "bpf_map_put_uref: atomic64_dec_and_test(&map->usercnt)");
  --smap.usercnt;
}

void bpf_map_put(Env& env, Kernel& k, Smap& smap) {
  env.rmw(smap.id, field::kSmapRefcnt, "bpf_map_put: atomic64_dec_and_test(&map->refcnt)");
  if (--smap.refcnt != 0) return;
  // bpf_map_free_id(): the id goes first (the idr is not modelled).
  bpf_map_free_in_work(env, k, smap);
}

void bpf_map_put_with_uref(Env& env, Kernel& k, Smap& smap) {
  const Traced traced(env, k, fn("bpf_map_put_with_uref"));
  bpf_map_put_uref(env, k, smap);
  bpf_map_put(env, k, smap);
}

void bpf_map_free_in_work(Env& env, Kernel& k, Smap& smap) { bpf_map_free_deferred(env, k, smap); }

int close_fd(Env& env, Kernel& k, Smap& smap) {
  env.access({kNoObject, 0, Op::kSyscall}, "close(map_fd)");
  // file_close_fd_locked() under files->file_lock: rcu_assign_pointer(fdt->fd[fd], NULL).
  env.write(smap.fd, field::kFdSlotFile, "close_fd: file_close_fd_locked: fdt->fd[fd] = NULL");
  if (!smap.fd_installed) return kEBADF;
  smap.fd_installed = false;
  // filp_close(): filp_flush() has nothing to flush for a map, then fput().
  fput(env, k, smap, "close_fd: filp_close: fput: file_ref_put(&file->f_ref)");
  return 0;
}

}  // namespace lsmc::model::kernel
