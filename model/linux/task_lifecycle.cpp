// The task lifecycle from kernel/fork.c and kernel/exit.c (v6.18) that decides when task storage
// is created and destroyed, and the kfuncs a program holds a task with (kernel/bpf/helpers.c);
// split from task_storage.cpp (declarations in task_storage.hpp).
#include <string>

#include "model/linux/task_storage.hpp"

#include "model/linux/asserts.hpp"
#include "model/linux/rcu_fields.hpp"

namespace lsmc::model::kernel {

// usage 1: the reference that release_task() drops after a grace period.
Task& task_for_scenario(Env& env, Kernel& k, std::string name, int pid_nr) {
  Task& t = k.new_task(std::move(name));
  t.id = env.alloc(kTaskType, "task (exists before the scenario)");
  t.usage = 1;
  t.rcu_users = 1;
  t.state = Task::State::kRunning;
  Pid& pid = k.new_pid(pid_nr);
  pid.id = env.alloc(kPidType, "alloc_pid");
  pid.task = Ref<Task>::of(&t);
  t.pid = &pid;
  return t;
}

// free_task() (kernel/fork.c, v6.18): bpf_task_storage_free() is here since 6.4 (bug 2's fix),
// so that the failed-fork path, which never reaches __put_task_struct(), destroys storage too.
void free_task(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("free_task"), task);
  if (!k.bug(Bug::kFreeTaskSkipsStorage)) bpf_task_storage_free(env, k, task);
  // lsmc's invariant (not a kernel assertion), the owner side of check_storage_free(): a task
  // that was an owner is freed with no storage, or the storage (created after
  // bpf_task_storage_free() ran, as bug 3's) is never freed. A half-built child of a failed fork
  // may still hold its parent's pointer as dup_task_struct() copied it: it never owned it.
  env.read(task.id, field::kOwnerStorage, "free_task: (lsmc) task->bpf_storage");
  env.check(task->state == Task::State::kForking || !task->bpf_storage, "invariant",
            "free_task of " + task->name + " while " + task->name + "->bpf_storage still points at a storage: "
            "nothing will free it");
  // free_task_struct(): kmem_cache_free(task_struct_cachep, tsk)
  env.write(task.id, field::kOwnerState, "free_task: free_task_struct");
  task->state = Task::State::kFreed;
  env.free(task.id, "free_task: free_task_struct");
}

// __put_task_struct() (kernel/fork.c, v6.18): the last reference is gone.
void __put_task_struct(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("__put_task_struct"), task);
  if (k.bug(Bug::kFreeTaskSkipsStorage)) bpf_task_storage_free(env, k, task);  // before 6.4
  exit_creds(env, k, task);
  free_task(env, k, task);
}

// exit_creds() (kernel/cred.c, v6.18): the task's credentials are put; nothing of storage.
void exit_creds(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("exit_creds"), task);
  env.yield("exit_creds: put_cred(tsk->cred)");
}

// get_task_struct() (include/linux/sched/task.h, v6.18): refcount_inc(&t->usage).
void get_task_struct(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("get_task_struct"), task);
  env.rmw(task.id, field::kOwnerUsage, "get_task_struct: refcount_inc(&t->usage)");
  ++task->usage;
}

// put_task_struct() (include/linux/sched/task.h, v6.18)
void put_task_struct(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("put_task_struct"), task);
  env.rmw(task.id, field::kOwnerUsage, "put_task_struct: refcount_dec_and_test(&t->usage)");
  if (--task->usage == 0) __put_task_struct(env, k, task);
}

// do_exit() (kernel/exit.c, v6.18), reduced: the task is a zombie until reaped.
void do_exit(Env& env, Kernel& k, Task& task) {
  const Ref<Task> ref = Ref<Task>::of(&task);
  const Traced traced(env, k, fn("do_exit"), ref);
  k.trace_point(env, fn("sched_process_exit"), AttachKind::kTpBtf, ref);  // trace_sched_process_exit()
  forget_original_parent(env, k, task);
  env.write(task.id, field::kOwnerState, "do_exit: exit_notify");
  task.state = Task::State::kZombie;
}

// forget_original_parent() (kernel/exit.c, v6.18), from exit_notify(): the live children get the
// child reaper as their real_parent (the reaper is outside the model: NULL here). The kernel walks
// father->children under tasklist_lock, which release_task() takes to unlink a child; the model
// has no tasklist_lock and holds rcu_read_lock() instead, so a child reaped meanwhile is not freed
// under the walk (its task_struct goes after a grace period).
void forget_original_parent(Env& env, Kernel& k, Task& father) {
  const Traced traced(env, k, fn("forget_original_parent"), Ref<Task>::of(&father));
  auto live_children = [&k, &father] {
    std::vector<Task*> children;
    for (const auto& t : k.tasks()) {
      if (t->real_parent.p == &father && (t->state == Task::State::kRunning || t->state == Task::State::kZombie)) {
        children.push_back(t.get());
      }
    }
    return children;
  };
  if (live_children().empty()) return;
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  for (Task* t : live_children()) {
    env.write(t->id, field::kTaskRealParent, "forget_original_parent: reparent: t->real_parent = reaper");
    t->real_parent = {};
  }
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
}

// A program's rcu_dereference(task->real_parent): MEM_RCU, which the verifier allows only inside
// an RCU read section (a sleepable program's bpf_rcu_read_lock()); the pointer goes untrusted at
// the unlock.
Ref<Task> task_real_parent(Env& env, Ref<Task> task, std::string_view label) {
  if (env.context().rcu_read_depth[static_cast<std::size_t>(RcuFlavour::kRcu)] == 0) {
    env.fail("model-error", std::string(label) + ": real_parent loaded outside an RCU read section "
                                                 "(the verifier rejects it: MEM_RCU needs bpf_rcu_read_lock())");
  }
  env.read(task.id, field::kTaskRealParent, label);
  return task->real_parent;
}

void de_thread(Env& env, Kernel& k, Task& thread, Task& leader) {
  Pid* leader_pid = leader.pid;
  Pid* thread_pid = thread.pid;
  env.write(leader_pid->id, field::kPidTask, "de_thread: exchange_tids");
  env.write(thread_pid->id, field::kPidTask, "de_thread: exchange_tids");
  leader_pid->task = Ref<Task>::of(&thread);
  thread_pid->task = Ref<Task>::of(&leader);
  thread.pid = leader_pid;
  leader.pid = thread_pid;
  do_exit(env, k, leader);
  release_task(env, k, leader);
}

Fd pidfd_open(Task& t) { return Fd{Fd::Kind::kPidfd, t.pid, nullptr}; }

// release_task() (kernel/exit.c, v6.18): detach the pid (syscalls by pidfd get ENOENT from now
// on), then drop the task's reference after a grace period (delayed_put_task_struct).
void release_task(Env& env, Kernel& k, Task& task) {
  const Traced traced(env, k, fn("release_task"), Ref<Task>::of(&task));
  env.write(task.pid->id, field::kPidTask, "release_task: __unhash_process: detach_pid");
  task.pid->task = {};
  env.write(task.id, field::kOwnerState, "release_task");
  task.state = Task::State::kReaped;
  put_task_struct_rcu_user(env, k, Ref<Task>::of(&task));
}

// put_task_struct_rcu_user() (kernel/exit.c, v6.18): the last rcu_users reference queues the
// put of `usage` after a grace period.
void put_task_struct_rcu_user(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("put_task_struct_rcu_user"), task);
  env.rmw(task.id, field::kTaskRcuUsers, "put_task_struct_rcu_user: refcount_dec_and_test(&task->rcu_users)");
  if (--task->rcu_users != 0) return;
  k.rcu.call(env, RcuFlavour::kRcu, [&k, task](Env& e) { delayed_put_task_struct(e, k, task); },
             "put_task_struct_rcu_user: call_rcu(delayed_put_task_struct)");
}

// bpf_task_from_pid() (kernel/bpf/helpers.c, v6.18): a KF_ACQUIRE kfunc: the task of a pid
// number in the initial namespace, with an rcu_users reference (bpf_task_acquire()), or NULL.
Ref<Task> bpf_task_from_pid(Env& env, Kernel& k, Pid& pid) {
  const Traced traced(env, k, fn("bpf_task_from_pid"));
  k.rcu.read_lock(env, RcuFlavour::kRcu);
  env.read(pid.id, field::kPidTask, "bpf_task_from_pid: find_task_by_pid_ns");
  Ref<Task> p = pid.task;
  if (p) p = bpf_task_acquire(env, k, p);
  k.rcu.read_unlock(env, RcuFlavour::kRcu);
  return p;
}

// bpf_task_acquire() (kernel/bpf/helpers.c, v6.18): a KF_ACQUIRE kfunc: a new rcu_users
// reference of a trusted task, or NULL once the last one went.
Ref<Task> bpf_task_acquire(Env& env, Kernel& k, Ref<Task> p) {
  const Traced traced(env, k, fn("bpf_task_acquire"), p);
  env.rmw(p.id, field::kTaskRcuUsers, "bpf_task_acquire: refcount_inc_not_zero(&p->rcu_users)");
  if (p->rcu_users == 0) return {};
  ++p->rcu_users;
  return p;
}

// bpf_task_release() (kernel/bpf/helpers.c, v6.18): a KF_RELEASE kfunc.
void bpf_task_release(Env& env, Kernel& k, Ref<Task> p) {
  const Traced traced(env, k, fn("bpf_task_release"), p);
  put_task_struct_rcu_user(env, k, p);
}

// delayed_put_task_struct() (kernel/exit.c, v6.18): the RCU callback of release_task().
void delayed_put_task_struct(Env& env, Kernel& k, Ref<Task> task) {
  const Traced traced(env, k, fn("delayed_put_task_struct"), task);
  k.trace_point(env, fn("sched_process_free"), AttachKind::kTpBtf, task);  // trace_sched_process_free()
  put_task_struct(env, k, task);
}

// security_task_alloc() (security/security.c, v6.18): call_int_hook(task_alloc): BPF LSM
// task_alloc programs run on the half-built task. The hook can fail (another LSM, or a BPF LSM
// program returning an error): a fault point.
int security_task_alloc(Env& env, Kernel& k, Ref<Task> task, bool may_fail) {
  const Traced traced(env, k, fn("security_task_alloc"), task);
  k.trace_point(env, fn("task_alloc"), AttachKind::kLsm, task);
  return may_fail && env.fault("security_task_alloc: an LSM refuses the task") ? -kENOMEM : 0;
}

namespace {
// The fallible steps of copy_process() after dup_task_struct(), in order (kernel/fork.c, v6.18).
// A failure at step i unwinds through the bad_fork_* labels of the steps before it, all of which
// end in bad_fork_free: delayed_free_task() -> free_task().
// copy_creds, RLIMIT_NPROC and max_threads fail before RCU_INIT_POINTER(p->bpf_storage, NULL)
// (fork.c:2147 in 6.18.35), with the child still holding the parent's pointer: only
// ForkPlan::fail_before_storage_init takes that path (docs/model.md).
constexpr std::string_view kForkStepsBeforeLsm[] = {
    "copy_process: sched_fork", "copy_process: perf_event_init_task", "copy_process: audit_alloc"};
constexpr std::string_view kForkStepsAfterLsm[] = {
    "copy_process: copy_semundo", "copy_process: copy_files", "copy_process: copy_fs",
    "copy_process: copy_sighand", "copy_process: copy_signal", "copy_process: copy_mm",
    "copy_process: copy_namespaces", "copy_process: copy_io", "copy_process: copy_thread",
    "copy_process: alloc_pid", "copy_process: cgroup_can_fork",
    "copy_process: fatal_signal_pending under tasklist_lock"};

// bad_fork_cleanup_*: ... bad_fork_free: delayed_free_task(p) (v6.18): free_task() after an RCU
// grace period, never __put_task_struct() (the task was never visible by pid).
Task* bad_fork_free(Env& env, Kernel& k, Ref<Task> child) {
  env.probe("fork failed");
  k.rcu.call(env, RcuFlavour::kRcu, [&k, child](Env& e) { free_task(e, k, child); },
             "bad_fork_free: delayed_free_task");
  return nullptr;
}
}  // namespace

// copy_process() (kernel/fork.c, v6.18), the steps that matter to task storage. Every fallible
// step is a fault point; plan.fail_after_step = n also forces a failure right after the LSM hook
// (the step that matters for storage made on the half-built task).
Task* copy_process(Env& env, Kernel& k, Task& parent, const ForkPlan& plan) {
  const Traced traced(env, k, fn("copy_process"), Ref<Task>::of(&parent));  // current is the parent
  // dup_task_struct(): *tsk = *orig, so the child starts with the parent's pointer.
  auto fault = [&env, &plan](std::string_view point) { return plan.faults && env.fault(point); };
  if (fault("copy_process: dup_task_struct")) {
    env.probe("fork failed");
    return nullptr;  // fork_out: nothing was allocated
  }
  Task& child = k.new_task(parent.name + "-child");
  child.id = env.alloc(kTaskType, "dup_task_struct");
  const Ref<Task> ref = Ref<Task>::of(&child);
  env.read(parent.id, field::kOwnerStorage, "dup_task_struct: arch_dup_task_struct (*dst = *src)");
  owner_storage_copy(child, parent);
  child.usage = 1;
  child.rcu_users = 1;
  child.state = Task::State::kForking;
  child.real_parent = Ref<Task>::of(&parent);  // copy_process(): p->real_parent = current (not yet visible)
  if (plan.fail_before_storage_init) {
    env.probe("fork failed before bpf_storage was cleared");
    return bad_fork_free(env, k, ref);
  }
  if (!k.bug(Bug::kCloneSharesStorage)) {
    owner_storage_store(env, as_owner(ref), {}, Order::kOnce, "copy_process: RCU_INIT_POINTER(p->bpf_storage, NULL)");
  }
  for (std::string_view step : kForkStepsBeforeLsm) {
    if (fault(step)) return bad_fork_free(env, k, ref);
  }
  if (security_task_alloc(env, k, ref, plan.faults) != 0) return bad_fork_free(env, k, ref);
  if (plan.fail_after_step == 0) {
    env.probe("fork failed after task_alloc");
    return bad_fork_free(env, k, ref);
  }
  for (std::string_view step : kForkStepsAfterLsm) {
    if (fault(step)) {
      env.probe("fork failed after task_alloc");
      return bad_fork_free(env, k, ref);
    }
  }
  // alloc_pid() and attach_pid(): the child becomes visible by pid.
  Pid& pid = k.new_pid(plan.pid_nr);
  pid.id = env.alloc(kPidType, "copy_process: alloc_pid");
  env.write(pid.id, field::kPidTask, "copy_process: attach_pid");
  pid.task = ref;
  child.pid = &pid;
  child.state = Task::State::kRunning;
  k.trace_point(env, fn("sched_process_fork"), AttachKind::kTpBtf, ref);  // kernel_clone()
  return &child;
}

}  // namespace lsmc::model::kernel
