// BPF side of lsmc's real-kernel backend: the maps the differential tests compare with the model,
// and one program that runs a command against them as the calling thread (BPF_PROG_TEST_RUN of
// a raw_tp program runs as current). fentry/fexit/lsm programs are refused on our kernel, and the
// verifier refuses a tracing program that touches a map whose value has a bpf_spin_lock ("tracing
// progs cannot use bpf_spin_lock yet"), so task_lock_map is used from the syscall side only.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lsmc_shared.h"

char LICENSE[] SEC("license") = "GPL";

struct lsmc_value {
  __s64 data;
};

struct lsmc_lvalue {
  struct bpf_spin_lock lock;
  __s64 data;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct lsmc_value);
} task_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct lsmc_lvalue);
} task_lock_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct lsmc_value);
} cgrp_map SEC(".maps");

enum { CMD_GET = 1, CMD_DELETE = 2, CMD_GET_BENCH = 3 };
enum { MAP_TASK = 0, MAP_TASK_LOCK = 1, MAP_CGRP = 2 };

// Written by user space before each run; read by it after.
struct lsmc_cmd cmd = {};
struct lsmc_result result = {};

#define BENCH_ITERATIONS 256

static __always_inline void do_get(struct task_struct *task) {
  if (cmd.map != MAP_CGRP) {
    struct lsmc_value *v = bpf_task_storage_get(&task_map, task, 0, cmd.flags);
    result.ret = v != 0;
    if (v) result.value = v->data;
  } else {
    struct cgroup *cg = task->cgroups->dfl_cgrp;
    struct lsmc_value *v = bpf_cgrp_storage_get(&cgrp_map, cg, 0, cmd.flags);
    result.ret = v != 0;
    if (v) result.value = v->data;
  }
}

static __always_inline void do_delete(struct task_struct *task) {
  if (cmd.map != MAP_CGRP) {
    result.ret = bpf_task_storage_delete(&task_map, task);
  } else {
    result.ret = bpf_cgrp_storage_delete(&cgrp_map, task->cgroups->dfl_cgrp);
  }
}

SEC("raw_tp")
int lsmc_run(void *ctx) {
  struct task_struct *task = bpf_get_current_task_btf();
  if (cmd.tgid && (bpf_get_current_pid_tgid() >> 32) != cmd.tgid) return 0;
  result.ran = 1;
  result.value = 0;
  if (cmd.op == CMD_GET) {
    do_get(task);
  } else if (cmd.op == CMD_DELETE) {
    do_delete(task);
  } else if (cmd.op == CMD_GET_BENCH) {
    __u64 start = bpf_ktime_get_ns();
    for (int i = 0; i < BENCH_ITERATIONS; i++) {
      struct lsmc_value *v = bpf_task_storage_get(&task_map, task, 0, 0);
      if (v) result.value += v->data;
    }
    result.ns = bpf_ktime_get_ns() - start;
    result.ret = BENCH_ITERATIONS;
  }
  return 0;
}
