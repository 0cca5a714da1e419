/* Small programs for lsmc check-bpf's tests, each with one kind of bug lsmc's checkers find in BPF
 * C (and a correct twin): a counter incremented with a plain ++ from two CPUs (a data race), the
 * same under bpf_spin_lock (clean), that lock taken by a program an NMI program interrupts on its
 * CPU (the NMI spins on a lock its CPU holds: a deadlock), and an arena page read after another
 * program freed it (a use after free). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(__BPF_FEATURE_ADDR_SPACE_CAST)
#define __arena __attribute__((address_space(1)))
#else
#define __arena
#endif

char LICENSE[] SEC("license") = "GPL";

struct counter {
  struct bpf_spin_lock lock;
  __u64 n;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct counter);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);
} pages SEC(".maps");

extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id,
                                           __u64 flags) __ksym;
extern void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym;

__u64 racy;
__u64 __arena *page;

SEC("raw_tp")
int racy_inc(void *ctx) {
  racy++;
  return 0;
}

SEC("raw_tp")
int locked_inc(void *ctx) {
  __u32 zero = 0;
  struct counter *c = bpf_map_lookup_elem(&counters, &zero);
  if (!c)
    return 0;
  bpf_spin_lock(&c->lock);
  c->n++;
  bpf_spin_unlock(&c->lock);
  return 0;
}

SEC("syscall")
int page_alloc(void *ctx) {
  page = bpf_arena_alloc_pages(&pages, 0, 1, NUMA_NO_NODE, 0);
  if (page)
    *page = 1;
  return 0;
}

SEC("syscall")
int page_free(void *ctx) {
  bpf_arena_free_pages(&pages, page, 1);
  return 0;
}

SEC("raw_tp")
int page_read(void *ctx) {
  __u64 __arena *p = page;
  return p ? (int)*p : 0;
}
