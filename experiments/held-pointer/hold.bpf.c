// A sleepable syscall program that keeps a task storage value past the task's life: it takes
// the task by pid (bpf_task_from_pid), gets its storage, releases the task, then sleeps in
// bpf_copy_from_user() on a page user space holds back with userfaultfd, and afterwards reads
// and writes the value it still points at. The question (lsmc issue 12): does the verifier let
// it, and what does the value pointer reach once the task was reaped meanwhile?
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct value {
  __u64 x;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct value);
} stor SEC(".maps");

struct args {
  __s32 pid;
  __s32 step;       // how far the program got
  __u64 uaddr;      // the page bpf_copy_from_user() waits on
  __u64 before;     // the value read after the sleep
  __s64 copy_err;   // bpf_copy_from_user()'s result
  __s32 release_late;  // 1: the control: keep the task reference across the sleep
  __s32 pad;
};

struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

SEC("syscall")
int hold(struct args *a) {
  struct task_struct *t = bpf_task_from_pid(a->pid);
  struct value *v;
  __u64 buf = 0;

  if (!t) {
    a->step = -1;
    return 0;
  }
  v = bpf_task_storage_get(&stor, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!a->release_late) {
    bpf_task_release(t);
    t = 0;
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
  if (t) bpf_task_release(t);
  return 0;
}
