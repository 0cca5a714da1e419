// Only the map: a task storage map (local-storage maps need BTF, so it comes from an object).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, __u64);
} stor SEC(".maps");

// libbpf wants a program in the object; this one is never attached.
SEC("syscall")
int unused(void *ctx) { return 0; }
