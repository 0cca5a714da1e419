/* For lsmc check-bpf's tests: a kfunc lsmc's kernel model does not have. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

SEC("raw_tp")
int holds_task(void *ctx) {
  struct task_struct *t = bpf_task_acquire(bpf_get_current_task_btf());
  if (t)
    bpf_task_release(t);
  return 0;
}
