// kernel/bpf/bpf_task_storage.c (v6.18) and the syscall layer around it (kernel/bpf/syscall.c,
// map_syscall.cpp), one model function per kernel function; and the task lifecycle from
// kernel/fork.c and kernel/exit.c that decides when task storage is created and destroyed
// (task_lifecycle.cpp).
#pragma once

#include "model/linux/local_storage.hpp"
#include "model/linux/map_fd.hpp"

namespace lsmc::model::kernel {

// A task as the owner local storage keeps a pointer of (task->bpf_storage).
inline Ref<Owner> as_owner(Ref<Task> t) { return Ref<Owner>{t.p, t.id}; }

// A file descriptor as a syscall key: a pidfd, another kind of file, or nothing.
struct Fd {
  enum class Kind : uint8_t { kNone, kPidfd, kCgroup, kSocket, kOther } kind = Kind::kNone;
  Pid* pid = nullptr;
  Cgroup* cgroup = nullptr;
  Sock* sock = nullptr;    // a socket fd: the open file holds a reference to the socket
  Inode* inode = nullptr;  // any other file: file_inode(f), referenced while the file is open
};

struct LookupResult {
  int err = 0;
  Value value;
};

// Per-CPU busy counter of a storage type (this_cpu_inc/dec/inc_return).
void busy_inc(Env& env, Kernel& k, OwnerKind type);
void busy_dec(Env& env, Kernel& k, OwnerKind type);
int busy_inc_return(Env& env, Kernel& k, OwnerKind type);

// The key of a task storage syscall: pidfd_get_pid() + pid_task(); 0 or a positive errno.
int resolve_pidfd(Env& env, const Fd& fd, Ref<Task>& task, std::string_view op);
// bpf_map_copy_value() (kernel/bpf/syscall.c, v6.18): what a syscall lookup returns; special
// fields read as zero (check_and_init_map_value).
Value bpf_map_copy_value(Env& env, Ref<Selem> sdata);
// The helpers' NULL-task check (true: NULL; with bug 17 a NULL dereference finding).
bool null_task(Env& env, Kernel& k, Ref<Task> task, std::string_view helper);

void bpf_task_storage_lock(Env& env, Kernel& k);
void bpf_task_storage_unlock(Env& env, Kernel& k);
bool bpf_task_storage_trylock(Env& env, Kernel& k);
Ref<Selem> task_storage_lookup(Env& env, Kernel& k, Ref<Task> task, const Smap& smap, bool cacheit);
void bpf_task_storage_free(Env& env, Kernel& k, Ref<Task> task);
LookupResult bpf_pid_task_storage_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
int bpf_pid_task_storage_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd,
                                     const Value& value, uint64_t flags);
int task_storage_delete(Env& env, Kernel& k, Ref<Task> task, Smap& smap, bool nobusy);
int bpf_pid_task_storage_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
Ref<Selem> __bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                  const Value* value, uint64_t flags, Gfp gfp, bool nobusy);
Ref<Selem> bpf_task_storage_get_recur(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                      const Value* value, uint64_t flags, Gfp gfp);
Ref<Selem> bpf_task_storage_get(Env& env, Kernel& k, Smap& smap, Ref<Task> task,
                                const Value* value, uint64_t flags, Gfp gfp);
int bpf_task_storage_delete_recur(Env& env, Kernel& k, Smap& smap, Ref<Task> task);
int bpf_task_storage_delete(Env& env, Kernel& k, Smap& smap, Ref<Task> task);
void task_storage_map_free(Env& env, Kernel& k, Smap& smap);

// The helper a program of this type is given (bpf_prog_check_recur, bpf_tracing_func_proto /
// bpf_lsm_func_proto; v6.18), with the verifier's hidden gfp argument.
Gfp prog_gfp(Env& env, const ProgCtx& ctx);
Ref<Selem> prog_task_storage_get(Env& env, Kernel& k, const ProgCtx& ctx, Smap& smap,
                                 Ref<Task> task, uint64_t flags, const Value* value = nullptr);
int prog_task_storage_delete(Env& env, Kernel& k, const ProgCtx& ctx, Smap& smap, Ref<Task> task);

// kernel/bpf/syscall.c (v6.18): map_lookup_elem / map_update_elem / map_delete_elem wrap the
// map ops in bpf_disable_instrumentation() and rcu_read_lock().
LookupResult sys_map_lookup_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, uint64_t flags);
int sys_map_update_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd, const Value& value,
                        uint64_t flags);
int sys_map_delete_elem(Env& env, Kernel& k, Smap& smap, const Fd& fd);
// The map's last reference is gone: bpf_map_free_deferred() runs map_free in a kworker.
void bpf_map_free_deferred(Env& env, Kernel& k, Smap& smap);

// kernel/fork.c and kernel/exit.c (v6.18), reduced to what touches task storage.
struct ForkPlan {
  int fail_after_step = -1;  // copy_process fails after this step (-1: succeeds)
  // copy_process fails at copy_creds, before RCU_INIT_POINTER(p->bpf_storage, NULL): reading the
  // 6.18 source, its unwinding reaches free_task() -> bpf_task_storage_free() with the child still
  // holding the parent's storage pointer (docs/model.md: a finding not yet confirmed on a kernel;
  // so these early bailouts are not fault points yet).
  bool fail_before_storage_init = false;
  // false: copy_process's bailouts are not fault points for this fork (it fails only as the plan
  // says), for scenarios that keep a known finding of the failure paths out of their search.
  bool faults = true;
  int pid_nr = 0;
};
// copy_process(): returns the child (Forking until it succeeds) or nullptr when it failed.
Task* copy_process(Env& env, Kernel& k, Task& parent, const ForkPlan& plan);
void do_exit(Env& env, Kernel& k, Task& task);       // the task becomes a zombie
void forget_original_parent(Env& env, Kernel& k, Task& father);
Ref<Task> task_real_parent(Env& env, Ref<Task> task, std::string_view label);
// de_thread() for an exec by a non-leader thread (kernel/exec.c, v6.18): exchange_tids() gives
// the leader's struct pid to the exec'ing thread, so a process pidfd now reaches `thread`; the
// old leader then exits and is reaped with the thread's old pid.
void de_thread(Env& env, Kernel& k, Task& thread, Task& leader);
void release_task(Env& env, Kernel& k, Task& task);  // reaped: pid detached, last reference put
void put_task_struct_rcu_user(Env& env, Kernel& k, Ref<Task> task);
// The kfuncs a program takes and drops a task reference with (kernel/bpf/helpers.c, v6.18).
Ref<Task> bpf_task_from_pid(Env& env, Kernel& k, Pid& pid);
Ref<Task> bpf_task_acquire(Env& env, Kernel& k, Ref<Task> p);
void bpf_task_release(Env& env, Kernel& k, Ref<Task> p);
void get_task_struct(Env& env, Kernel& k, Ref<Task> task);
void put_task_struct(Env& env, Kernel& k, Ref<Task> task);
void __put_task_struct(Env& env, Kernel& k, Ref<Task> task);
void free_task(Env& env, Kernel& k, Ref<Task> task);
void exit_creds(Env& env, Kernel& k, Ref<Task> task);
void delayed_put_task_struct(Env& env, Kernel& k, Ref<Task> task);
int security_task_alloc(Env& env, Kernel& k, Ref<Task> task, bool may_fail = true);
// A task that exists before the scenario starts (pid attached, usage held by the scenario).
Task& task_for_scenario(Env& env, Kernel& k, std::string name, int pid_nr);
// A pidfd of `t` (pidfd_open): it refers to t's struct pid, not to the number.
Fd pidfd_open(Task& t);

}  // namespace lsmc::model::kernel
