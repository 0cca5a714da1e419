/* The library's test program: commands run by BPF_PROG_TEST_RUN as the calling thread, and the
 * fork/exit hooks of the stress run (tp_btf: fentry, fexit and lsm programs are refused on our
 * machines, ../shared/reference/platform.md). Built for the kernel and for lsmc's host build. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "mls_test.h"

#define MLS_VALUE struct mls_test_value
#include "mls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The stress run: child processes forked by this process get entries at fork (0: off). */
__u32 churn_tgid;
/* An exiting task whose entry names another owner: must stay 0. */
__u64 churn_aliased;
__u64 churn_created, churn_deleted, churn_failed;

/* Today's way, for the benchmark: a task storage map with the value in the element. */
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} bench_storage SEC(".maps");

/* sched_ext's way today, for the benchmark: an array indexed by pid (modulo its size). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, MLS_TEST_BENCH_PIDS);
  __type(key, __u32);
  __type(value, MLS_VALUE);
} bench_pid_array SEC(".maps");

static __always_inline long bench(__u64 op, struct task_struct *task) {
  __u64 sum = 0, start;
  __u32 pid = (__u32)task->pid % MLS_TEST_BENCH_PIDS;
  if (!bpf_task_storage_get(&bench_storage, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE) || !mls_get(task, MLS_F_CREATE))
    return -1;
  start = bpf_ktime_get_ns();
  for (int i = 0; i < MLS_TEST_BENCH_ITERS; i++) {
    if (op == MLS_TEST_BENCH_GET) {
      MLS_VALUE *e = mls_get(task, 0);
      if (e)
        sum += e->seq;
    } else if (op == MLS_TEST_BENCH_STORAGE) {
      __u64 *v = bpf_task_storage_get(&bench_storage, task, 0, 0);
      if (v)
        sum += *v;
    } else {
      MLS_VALUE *e = bpf_map_lookup_elem(&bench_pid_array, &pid);
      if (e)
        sum += e->seq;
    }
  }
  if (sum == ~0ULL)
    return -1;
  return (long)(bpf_ktime_get_ns() - start);
}

static __always_inline void init_entry(MLS_VALUE *e, __s32 owner, __s64 data) {
  e->owner = owner;
  e->data = data;
  e->seq = 1;
}

static __always_inline long cgrp_cmd(__u64 op, __u64 arg, struct task_struct *task) {
  struct cgroup *cg = task->cgroups->dfl_cgrp;
  __s32 id = (__s32)cg->kn->id;
  MLS_VALUE *e;
  if (op == MLS_TEST_CGRP_CREATE) {
    e = mls_cgrp_get(cg, MLS_F_CREATE);
    if (!e)
      return MLS_TEST_NONE;
    init_entry(e, id, (__s64)arg);
    return 0;
  }
  if (op == MLS_TEST_CGRP_GET) {
    e = mls_cgrp_get(cg, 0);
    if (!e)
      return MLS_TEST_NONE;
    return e->owner == id ? e->data : MLS_TEST_ALIASED;
  }
  return mls_cgrp_delete(cg);
}

SEC("raw_tp")
int mls_test_cmd(struct bpf_raw_tracepoint_args *ctx) {
  struct task_struct *task = bpf_get_current_task_btf();
  __u64 op = ctx->args[0], arg = ctx->args[1];
  MLS_VALUE *e;
  if (op >= MLS_TEST_BENCH_GET)
    return bench(op, task);
  if (op >= MLS_TEST_CGRP_CREATE)
    return cgrp_cmd(op, arg, task);
  if (op == MLS_TEST_DELETE)
    return mls_delete(task);
  e = mls_get(task, op == MLS_TEST_CREATE ? MLS_F_CREATE : 0);
  if (!e)
    return MLS_TEST_NONE;
  if (op == MLS_TEST_CREATE) {
    init_entry(e, task->pid, (__s64)arg);
    return 0;
  }
  if (e->owner != task->pid)
    return MLS_TEST_ALIASED;
  if (op == MLS_TEST_HINT)
    return MLS_READ_ONCE(e->hint);
  if (op == MLS_TEST_WRITE) {
    e->data = (__s64)arg;
    e->seq++;
    return 0;
  }
  return e->data;
}

SEC("tp_btf/sched_process_fork")
int mls_test_fork(__u64 *ctx) {
  struct task_struct *parent = (struct task_struct *)ctx[0], *child = (struct task_struct *)ctx[1];
  __u32 tgid = MLS_READ_ONCE(churn_tgid);
  /* Child processes only: a thread of this process (pthread_create is a fork too) can exit after
   * pthread_join returns, so its entry's deletion would race the report's counters. */
  if (tgid == 0 || parent->tgid != tgid || child->pid != child->tgid)
    return 0;
  MLS_VALUE *e = mls_get(child, MLS_F_CREATE);
  if (!e) {
    __sync_fetch_and_add(&churn_failed, 1);
    return 0;
  }
  init_entry(e, child->pid, (__s64)child->pid * 1000 + 1);
  __sync_fetch_and_add(&churn_created, 1);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int mls_test_exit(__u64 *ctx) {
  struct task_struct *task = (struct task_struct *)ctx[0];
  MLS_VALUE *e = mls_get(task, 0);
  if (!e)
    return 0;
  if (e->owner != task->pid)
    __sync_fetch_and_add(&churn_aliased, 1);
  if (mls_delete(task) == 0)
    __sync_fetch_and_add(&churn_deleted, 1);
  return 0;
}

SEC("tp_btf/cgroup_rmdir")
int mls_test_rmdir(__u64 *ctx) {
  mls_cgrp_delete((struct cgroup *)ctx[0]);
  return 0;
}
