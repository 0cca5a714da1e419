// The cgroup form of hold.bpf.c: a sleepable syscall program takes a cgroup by id
// (bpf_cgroup_from_id), gets its cgroup storage, releases the cgroup, sleeps in
// bpf_copy_from_user(), then reads and writes the value it still points at.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct value {
  __u64 x;
};

struct {
  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct value);
} cstor SEC(".maps");

struct args {
  __u64 cgid;
  __u64 uaddr;
  __u64 before;
  __s64 copy_err;
  __s32 step;
  __s32 release_late;
};

struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

SEC("syscall")
int cg_hold(struct args *a) {
  struct cgroup *cg = bpf_cgroup_from_id(a->cgid);
  struct value *v;
  __u64 buf = 0;

  if (!cg) {
    a->step = -1;
    return 0;
  }
  v = bpf_cgrp_storage_get(&cstor, cg, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!a->release_late) {
    bpf_cgroup_release(cg);
    cg = 0;
  }
  if (v) {
    v->x = 0x1111;
    a->step = 1;
    a->copy_err = bpf_copy_from_user(&buf, sizeof(buf), (void *)a->uaddr);
    a->before = v->x;
    v->x = 0xdeadbeef;
    a->step = 2;
  } else {
    a->step = -2;
  }
  if (cg) bpf_cgroup_release(cg);
  return 0;
}
