// The allocator-reuse control of the held-pointer experiment: a syscall program that gives the
// task with a pid its element (created if need be) and returns the element value's address
// (root may read kernel addresses: allow_ptr_leaks), so that user space can tell whether a new
// element took a freed one's memory.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} stor SEC(".maps");

struct args {
  __s32 pid;
  __s32 pad;
  __u64 addr;  // the value's address, 0 when the task or its element could not be had
};

struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

SEC("syscall")
int addr_of(struct args *a) {
  struct task_struct *t = bpf_task_from_pid(a->pid);

  if (!t) return 0;
  a->addr = (__u64)bpf_task_storage_get(&stor, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  bpf_task_release(t);
  return 0;
}
