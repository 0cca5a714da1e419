/* A lock-free stack of arena nodes, written the way sched_ext's arena libraries write their
 * freelists (a compare-and-swap on the head, nodes in arena pages, an assertion when a node is
 * handed out twice), for lsmc check-bpf's test: lsmc did not write it for its own model, it is BPF C
 * as a scheduler author would. Two versions share the nodes:
 *   aba_*:    the head is a plain pointer. pop() reads head and head->next, then swaps head to
 *             next: if another CPU pops that node, pops its successor and pushes the first back in
 *             between, the swap succeeds on the same pointer and installs a node that is in use
 *             (the ABA problem). The assertion in pop() then fires when that node is handed out.
 *   tagged_*: the head carries a counter bumped by every successful swap, so the stale swap fails.
 * Entry points: stack_init (sleepable: allocates the arena page), then aba_pop_push or
 * tagged_pop_push on several CPUs (each pops two nodes and pushes them back). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(__BPF_FEATURE_ADDR_SPACE_CAST)
#define __arena __attribute__((address_space(1)))
#else
#define __arena
#endif

#define NODES 4
#define TRIES 8
#define READ(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARENA);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);
} stack_arena SEC(".maps");

extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id,
                                           __u64 flags) __ksym;
extern void bpf_throw(__u64 cookie) __ksym;

struct node {
  struct node __arena *next; /* aba_ stack */
  __u64 next_idx;            /* tagged_ stack: index + 1 of the next node, 0 at the end */
  __u64 in_use;
};

struct node __arena *nodes;      /* NODES nodes in one arena page */
struct node __arena *aba_head;   /* the untagged stack */
__u64 tagged_head;               /* (tag << 32) | (index + 1) */

#define stack_assert(cond)   \
  do {                       \
    if (!(cond))             \
      bpf_throw(__LINE__);   \
  } while (0)

static __always_inline void take(struct node __arena *n) {
  stack_assert(!READ(n->in_use)); /* a node handed out twice */
  WRITE(n->in_use, 1);
}

static __always_inline struct node __arena *aba_pop(void) {
  for (int i = 0; i < TRIES; i++) {
    struct node __arena *old = READ(aba_head);
    if (!old)
      return 0;
    struct node __arena *next = READ(old->next);
    if (__sync_val_compare_and_swap(&aba_head, old, next) == old) {
      take(old);
      return old;
    }
  }
  return 0;
}

static __always_inline void aba_push(struct node __arena *n) {
  WRITE(n->in_use, 0);
  for (int i = 0; i < TRIES; i++) {
    struct node __arena *old = READ(aba_head);
    WRITE(n->next, old);
    if (__sync_val_compare_and_swap(&aba_head, old, n) == old)
      return;
  }
}

static __always_inline struct node __arena *tagged_pop(void) {
  for (int i = 0; i < TRIES; i++) {
    __u64 old = READ(tagged_head);
    __u32 top = (__u32)old;
    if (top == 0 || top > NODES)
      return 0;
    struct node __arena *n = &nodes[top - 1];
    __u64 next = READ(n->next_idx);
    if (__sync_val_compare_and_swap(&tagged_head, old, (((old >> 32) + 1) << 32) | next) == old) {
      take(n);
      return n;
    }
  }
  return 0;
}

static __always_inline void tagged_push(struct node __arena *n) {
  __u64 idx = ((__u64)n - (__u64)nodes) / sizeof(struct node) + 1;
  WRITE(n->in_use, 0);
  for (int i = 0; i < TRIES; i++) {
    __u64 old = READ(tagged_head);
    WRITE(n->next_idx, (__u32)old);
    if (__sync_val_compare_and_swap(&tagged_head, old, (((old >> 32) + 1) << 32) | idx) == old)
      return;
  }
}

SEC("syscall")
int stack_init(void *ctx) {
  nodes = bpf_arena_alloc_pages(&stack_arena, 0, 1, NUMA_NO_NODE, 0);
  if (!nodes)
    return 1;
  for (int i = NODES - 1; i >= 0; i--) {
    aba_push(&nodes[i]);
    tagged_push(&nodes[i]);
  }
  return 0;
}

SEC("raw_tp")
int aba_pop_push(void *ctx) {
  struct node __arena *a = aba_pop();
  struct node __arena *b = aba_pop();
  if (a)
    aba_push(a);
  if (b)
    aba_push(b);
  return 0;
}

SEC("raw_tp")
int tagged_pop_push(void *ctx) {
  struct node __arena *a = tagged_pop();
  struct node __arena *b = tagged_pop();
  if (a)
    tagged_push(a);
  if (b)
    tagged_push(b);
  return 0;
}
