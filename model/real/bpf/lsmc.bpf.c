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

SEC("raw_tp")
int lsmc_run(struct bpf_raw_tracepoint_args *ctx) {
  struct task_struct *task = bpf_get_current_task_btf();
  __u64 op = ctx->args[0], map = ctx->args[1], flags = ctx->args[2];
  struct lsmc_value *v;

  if (op == LSMC_CMD_GET) {
    if (map == LSMC_MAP_CGRP)
      v = bpf_cgrp_storage_get(&cgrp_map, task->cgroups->dfl_cgrp, 0, flags);
    else
      v = bpf_task_storage_get(&task_map, task, 0, flags);
    return v ? (int)(v->data & 0x7fffffff) : LSMC_NULL;
  }
  if (op == LSMC_CMD_DELETE) {
    if (map == LSMC_MAP_CGRP) return bpf_cgrp_storage_delete(&cgrp_map, task->cgroups->dfl_cgrp);
    return bpf_task_storage_delete(&task_map, task);
  }
  if (op == LSMC_CMD_GET_BENCH) {
    __u64 start = bpf_ktime_get_ns();
    __s64 sum = 0;
    for (int i = 0; i < LSMC_BENCH_ITERATIONS; i++) {
      v = bpf_task_storage_get(&task_map, task, 0, 0);
      if (v) sum += v->data;
    }
    if (sum < 0) return LSMC_NULL;
    return (int)(bpf_ktime_get_ns() - start);
  }
  return LSMC_NULL;
}
