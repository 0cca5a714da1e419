// The map's fd and references (kernel/bpf/syscall.c, fs/file.c, fs/file_table.c; v6.18, and v7.0
// alike). A syscall on a map holds the fd's file from fdget() to fdput() (CLASS(fd, f) in
// map_lookup_elem(), map_update_elem(), map_delete_elem()), so a close(2) of the fd meanwhile does
// not free the map: the last fput() runs bpf_map_release() -> bpf_map_put_with_uref() ->
// bpf_map_put(), and only the put of the last map->refcnt queues bpf_map_free_deferred().
//
//   close_fd()        file_close_fd_locked() empties fdt->fd[fd], then filp_close() -> fput()
//   fdget()           __fget_light(): the slot's file, with a reference (the fd table is shared
//                     with whoever can close the fd meanwhile); an empty slot: __bpf_map_get()
//                     returns -EBADF
//   fdput()           fput() of that reference
//   fput()            file_ref_put(); the last one runs __fput() -> f_op->release() from task_work
//                     at the task's return to user space: the model runs it at once, in the caller
//   bpf_map_release() bpf_map_fops.release (local storage has no ops->map_release)
//   bpf_map_put()     atomic64_dec_and_test(&map->refcnt): bpf_map_free_id(), then
//                     bpf_map_free_in_work() (free_after_rcu_gp and free_after_mult_rcu_gp are set
//                     only for a map-in-map's inner maps, not modelled)
#pragma once

#include <string_view>

#include "model/linux/kernel.hpp"

namespace lsmc::model::kernel {

// anon_inode_getfd() (fs/anon_inodes.c, v6.18) once bpf_map_new_fd() has succeeded: a file that
// holds the map's first references (refcnt, usercnt), installed in a slot of the fd table.
void map_fd_install(Env& env, Smap& smap);
// fdget() (include/linux/file.h, v6.18): false when the slot is empty (the fd was closed). Labels
// are the caller's string literals (the trace keeps them).
bool fdget(Env& env, Smap& smap, std::string_view label);
// fdput() (include/linux/file.h, v6.18)
void fdput(Env& env, Kernel& k, Smap& smap, std::string_view label);
// fput() (fs/file_table.c, v6.18): file_ref_put(&file->f_ref)
void fput(Env& env, Kernel& k, Smap& smap, std::string_view label);
// bpf_map_release() (kernel/bpf/syscall.c, v6.18)
void bpf_map_release(Env& env, Kernel& k, Smap& smap);
// bpf_map_put_uref() (kernel/bpf/syscall.c, v6.18)
void bpf_map_put_uref(Env& env, Kernel& k, Smap& smap);
// bpf_map_put() (kernel/bpf/syscall.c, v6.18)
void bpf_map_put(Env& env, Kernel& k, Smap& smap);
// bpf_map_put_with_uref() (kernel/bpf/syscall.c, v6.18)
void bpf_map_put_with_uref(Env& env, Kernel& k, Smap& smap);
// bpf_map_free_in_work() (kernel/bpf/syscall.c, v6.18): queue_work(system_unbound_wq); the model
// runs bpf_map_free_deferred() at once, in the caller.
void bpf_map_free_in_work(Env& env, Kernel& k, Smap& smap);
// close_fd() (fs/file.c, v6.18): close(2) of the map's fd; 0 or EBADF.
int close_fd(Env& env, Kernel& k, Smap& smap);

}  // namespace lsmc::model::kernel
