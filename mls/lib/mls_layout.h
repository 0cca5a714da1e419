/* The words the BPF side (bpf/mls.bpf.h) and the user library (mls.c) both read: one definition
 * of each encoding. Include it after the types (__u32, __u64): vmlinux.h on the BPF side,
 * <linux/types.h> in user space.
 *
 * Header word, one per slot, in the mmapable map mls_hdr:
 *     (generation << 32) | pins
 *   The generation is odd while the slot holds an entry and even while it is free; creation and
 *   deletion each add one (MLS_GEN_ONE), so a handle (slot, odd generation) goes stale at the
 *   deletion and never matches again until the 32-bit counter wraps. `pins` counts user writers
 *   inside the entry (mls_write's pinned protocol); a freed slot is not reused while it is pinned.
 *
 * Link word, one per owner, in the task or cgroup storage maps mls_task_link / mls_cgrp_link:
 *     0 none, MLS_LINK_BUSY while a creation is under way, else (generation << 32) | (slot + 1)
 */
#ifndef MLS_LAYOUT_H
#define MLS_LAYOUT_H

#define MLS_GEN_ONE (1ULL << 32)
#define MLS_LINK_BUSY 1ULL
#define MLS_NIL 0u /* the end of a slot list: lists hold slot + 1 */

static inline __u32 mls_hdr_gen(__u64 word) { return (__u32)(word >> 32); }
static inline __u32 mls_hdr_pins(__u64 word) { return (__u32)word; }
static inline int mls_gen_live(__u32 gen) { return gen & 1; }

static inline __u64 mls_link_word(__u32 slot, __u32 gen) { return ((__u64)gen << 32) | (slot + 1); }
static inline int mls_link_live(__u64 word) { return word > MLS_LINK_BUSY; }
static inline __u32 mls_link_slot(__u64 word) { return (__u32)word - 1; }
static inline __u32 mls_link_gen(__u64 word) { return (__u32)(word >> 32); }

/* The library's syscall program (mls_sys) takes this as its context (BPF_PROG_TEST_RUN ctx_in)
 * and writes its results back into it. */
enum mls_sys_op {
  MLS_SYS_FLIP = 1,    /* close the current batch of freed slots: returns its side */
  MLS_SYS_RECLAIM = 2, /* after a grace period: the side's slots (and deferred ones) go free */
  MLS_SYS_STATS = 3,   /* copies the counters out */
  MLS_SYS_ABORT = 4,   /* a maintenance that could not wait for its grace period gives up */
};

struct mls_sys_args {
  __u32 op;
  __u32 side;
  __u64 reclaimed; /* RECLAIM: slots made free; STATS: live entries */
  __u64 deferred;  /* RECLAIM and STATS: slots waiting for their pins to go */
  __u64 created;   /* STATS */
  __u64 deleted;   /* STATS */
  __u64 failed;    /* STATS: creations that found no free slot */
  __u64 fresh;     /* STATS: slots never used so far start here */
};

#endif
