// Local storage maps whose values hold each special field, one map per field. The driver
// (fields.c) creates them one at a time and records what map creation says: the kernel checks
// the fields in map_check_btf() (kernel/bpf/syscall.c).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define __uptr __attribute__((btf_type_tag("uptr")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))

struct counter {
  long n;
};
struct udata {
  long n;
};
// Used by value once, so that the BTF has the structs the kptr and uptr fields point to (clang
// emits a forward declaration for a struct it meets only behind a pointer).
struct counter counter_btf SEC(".data.btf");
struct udata udata_btf SEC(".data.btf");

struct timer_value {
  struct bpf_timer t;
};
struct wq_value {
  struct bpf_wq w;
};
struct percpu_value {
  struct counter __percpu_kptr *pc;
};
struct uptr_lock_value {
  struct bpf_spin_lock lock;
  struct udata __uptr *udata;
};

#define STORAGE(map_type, name, value_t)         \
  struct {                                   \
    __uint(type, map_type);                  \
    __uint(map_flags, BPF_F_NO_PREALLOC);    \
    __type(key, int);                        \
    __type(value, value_t);                  \
  } name SEC(".maps")

STORAGE(BPF_MAP_TYPE_TASK_STORAGE, task_timer, struct timer_value);
STORAGE(BPF_MAP_TYPE_TASK_STORAGE, task_wq, struct wq_value);
STORAGE(BPF_MAP_TYPE_CGRP_STORAGE, cgrp_timer, struct timer_value);
STORAGE(BPF_MAP_TYPE_SK_STORAGE, sk_wq, struct wq_value);
STORAGE(BPF_MAP_TYPE_TASK_STORAGE, task_percpu, struct percpu_value);
STORAGE(BPF_MAP_TYPE_CGRP_STORAGE, cgrp_uptr, struct uptr_lock_value);
STORAGE(BPF_MAP_TYPE_TASK_STORAGE, task_uptr_lock, struct uptr_lock_value);

char LICENSE[] SEC("license") = "GPL";
