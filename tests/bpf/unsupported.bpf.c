/* For lsmc check-bpf's tests: a helper and a kfunc lsmc's kernel model does not have. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 seen;

SEC("raw_tp")
int uses_prandom(void *ctx) {
  seen = bpf_get_prandom_u32();
  return 0;
}
