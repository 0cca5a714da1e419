/* mls.bpf.h: user-mappable local storage on today's kernels, BPF side.
 *
 * The design lsmc recommends (docs/design-exploration.md) built from what Linux 6.18 has:
 *   - the entries live in an mmapable array (mls_entries), one slot each, and a header word per
 *     slot (mls_hdr, mmapable too) publishes {generation, pins} (mls_layout.h);
 *   - task and cgroup storage hold the owner-to-slot link (mls_task_link, mls_cgrp_link): the
 *     kernel has no task->mls_slot, so a lookup pays one local-storage lookup first;
 *   - a freed slot is reused only after an RCU grace period: deletions push it on the side of a
 *     two-sided list that the current epoch names, and the user library (mls_maintain) flips the
 *     epoch, waits for a grace period (an update of the map-in-map mls_gp, which the kernel follows
 *     with synchronize_rcu() so that no non-sleepable program still runs) and runs mls_sys, which
 *     moves that side to the free stack. Programs that use mls_get must therefore be non-sleepable;
 *   - the allocator's state (free stack, epoch, lists) is in mls_state_map, which is not mmapable.
 * Docs: docs/mls.md. Define MLS_VALUE (the entry type, a multiple of 8 bytes) and optionally
 * MLS_MAX_ENTRIES before including this header, after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef MLS_BPF_H
#define MLS_BPF_H

#ifndef MLS_VALUE
#error "define MLS_VALUE (the entry type) before including mls.bpf.h"
#endif
#ifndef MLS_MAX_ENTRIES
#define MLS_MAX_ENTRIES 4096
#endif
#define MLS_CAS_TRIES 64

#include "mls_layout.h"

_Static_assert(sizeof(MLS_VALUE) % 8 == 0, "MLS_VALUE must be a multiple of 8 bytes");
_Static_assert((MLS_MAX_ENTRIES & (MLS_MAX_ENTRIES - 1)) == 0, "MLS_MAX_ENTRIES must be a power of two");

/* An index into next[] the verifier can bound whatever register clang keeps it in: the empty
 * asm hides an earlier bounds check from clang, so the mask stays in the code. */
static __always_inline __u32 mls_idx(__u32 s) {
  asm volatile("" : "+r"(s));
  return s & (MLS_MAX_ENTRIES - 1);
}
#define MLS_IDX(s) mls_idx(s)

#define MLS_F_CREATE 1ULL
#define MLS_ENOENT 2
#define MLS_EBUSY 16

#define MLS_READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define MLS_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, MLS_MAX_ENTRIES);
  __type(key, __u32);
  __type(value, MLS_VALUE);
} mls_entries SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, MLS_MAX_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} mls_hdr SEC(".maps");

/* Kernel-private: user space reaches it only through bpf() by the map's fd. */
struct mls_state {
  __u64 free_head;     /* (tag << 32) | (slot + 1): a Treiber stack, the tag against ABA */
  __u64 pend[2];       /* freed slots waiting for a grace period, by epoch & 1 */
  __u64 deferred_head; /* past their grace period but still pinned: the reclaimer's own */
  __u64 epoch;
  __u64 fresh;         /* slots from here on were never used */
  __u64 maintaining;   /* one mls_maintain at a time: FLIP sets it, RECLAIM clears it */
  __u64 created, deleted, failed;
  __u32 next[MLS_MAX_ENTRIES];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct mls_state);
} mls_state_map SEC(".maps");

struct mls_link {
  __u64 word;
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct mls_link);
} mls_task_link SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct mls_link);
} mls_cgrp_link SEC(".maps");

/* The grace period: user space updates mls_gp's only element (with mls_gp_inner's fd); the
 * kernel's maybe_wait_bpf_programs() then runs synchronize_rcu() before the syscall returns. */
struct mls_gp_inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} mls_gp_inner SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1);
  __type(key, __u32);
  __array(values, struct mls_gp_inner_map);
} mls_gp SEC(".maps");

static __always_inline struct mls_state *mls_state(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&mls_state_map, &zero);
}

static __always_inline __u64 *mls_hdr_word(__u32 slot) { return bpf_map_lookup_elem(&mls_hdr, &slot); }

static __always_inline MLS_VALUE *mls_entry(__u32 slot) { return bpf_map_lookup_elem(&mls_entries, &slot); }

/* A slot for a new entry: the top of the free stack, else one never used. -1 when none is left
 * (the region is preallocated: there is no page to allocate, in any context). */
static __always_inline int mls_slot_alloc(struct mls_state *st) {
  for (int i = 0; i < MLS_CAS_TRIES; i++) {
    __u64 old = MLS_READ_ONCE(st->free_head);
    __u32 top = (__u32)old;
    if (top == MLS_NIL)
      break;
    __u32 s = top - 1;
    if (s >= MLS_MAX_ENTRIES)
      return -1;
    __u64 next = MLS_READ_ONCE(st->next[MLS_IDX(s)]);
    if (__sync_val_compare_and_swap(&st->free_head, old, (((old >> 32) + 1) << 32) | next) == old)
      return (int)s;
  }
  for (int i = 0; i < MLS_CAS_TRIES; i++) {
    __u64 f = MLS_READ_ONCE(st->fresh);
    if (f >= MLS_MAX_ENTRIES)
      return -1;
    if (__sync_val_compare_and_swap(&st->fresh, f, f + 1) == f)
      return (int)f;
  }
  return -1;
}

static __always_inline void mls_zero(MLS_VALUE *e) {
  __u64 *w = (__u64 *)e;
  for (int i = 0; i < (int)(sizeof(MLS_VALUE) / 8); i++)
    w[i] = 0;
}

/* The entry an owner's link names, created with MLS_F_CREATE. Zeroed, then published in the
 * header (a full barrier), then linked: user space never sees an entry before its zeroing. */
static __always_inline MLS_VALUE *mls_get_link(struct mls_link *l, __u64 flags) {
  if (!l)
    return NULL;
  __u64 w = MLS_READ_ONCE(l->word);
  if (mls_link_live(w)) {
    __u32 s = mls_link_slot(w);
    return s < MLS_MAX_ENTRIES ? mls_entry(s) : NULL;
  }
  if (!(flags & MLS_F_CREATE) || w != 0)
    return NULL;
  if (__sync_val_compare_and_swap(&l->word, 0, MLS_LINK_BUSY) != 0)
    return NULL; /* another CPU creates this owner's entry now */
  struct mls_state *st = mls_state();
  if (!st)
    goto fail;
  int s = mls_slot_alloc(st);
  if (s < 0) {
    __sync_fetch_and_add(&st->failed, 1);
    goto fail;
  }
  MLS_VALUE *e = mls_entry((__u32)s);
  __u64 *h = mls_hdr_word((__u32)s);
  if (!e || !h)
    goto fail;
#if defined(MLS_MUTANT_PUBLISH_BEFORE_INIT)
  /* The mutant: the generation is published before the entry is zeroed. */
  __u32 gen = mls_hdr_gen(__sync_fetch_and_add(h, MLS_GEN_ONE)) + 1;
  mls_zero(e);
#elif defined(MLS_MUTANT_REUSE_OLD_GENERATION)
  /* The mutant: a reused slot takes back the generation it had, not a new one. */
  mls_zero(e);
  __u32 old = mls_hdr_gen(*h);
  __u32 gen = old == 0 ? mls_hdr_gen(__sync_fetch_and_add(h, MLS_GEN_ONE)) + 1
                       : mls_hdr_gen(__sync_fetch_and_sub(h, MLS_GEN_ONE)) - 1;
#else
  mls_zero(e);
  __u32 gen = mls_hdr_gen(__sync_fetch_and_add(h, MLS_GEN_ONE)) + 1;
#endif
  __sync_lock_test_and_set(&l->word, mls_link_word((__u32)s, gen));
  __sync_fetch_and_add(&st->created, 1);
  return e;
fail:
  __sync_lock_test_and_set(&l->word, 0);
  return NULL;
}

/* A freed slot waits for a grace period on the side the epoch names. The push is an exchange:
 * the list is read only after the grace period that waits for this program, so `next` is
 * written by then. The epoch is read after the generation bump (see mls_delete_link). */
static __always_inline void mls_retire(struct mls_state *st, __u32 s) {
#ifdef MLS_MUTANT_NO_GRACE_PERIOD
  /* The mutant: the slot goes back to the free stack at once. */
  for (int i = 0; i < MLS_CAS_TRIES; i++) {
    __u64 top = MLS_READ_ONCE(st->free_head);
    st->next[MLS_IDX(s)] = (__u32)top;
    if (__sync_val_compare_and_swap(&st->free_head, top, (((top >> 32) + 1) << 32) | ((__u64)s + 1)) == top)
      return;
  }
#endif
  __u32 side = (__u32)MLS_READ_ONCE(st->epoch) & 1;
  __u64 old = __sync_lock_test_and_set(&st->pend[side], (__u64)s + 1);
  st->next[MLS_IDX(s)] = (__u32)old;
}

/* Unlinks the owner's entry: the header generation turns even (handles go stale, pins fail),
 * and the slot is retired. The local-storage element stays, holding 0: deleting it would queue
 * an RCU Tasks Trace callback per exit (sched_ext's sdt learned to avoid that, scx PR 3776). */
static __always_inline int mls_delete_link(struct mls_link *l) {
  if (!l)
    return -MLS_ENOENT;
  __u64 w = MLS_READ_ONCE(l->word);
  if (!mls_link_live(w))
    return w == MLS_LINK_BUSY ? -MLS_EBUSY : -MLS_ENOENT;
  if (__sync_val_compare_and_swap(&l->word, w, 0) != w)
    return -MLS_EBUSY;
  __u32 s = mls_link_slot(w);
  struct mls_state *st = mls_state();
  __u64 *h = s < MLS_MAX_ENTRIES ? mls_hdr_word(s) : NULL;
  if (!st || !h)
    return -MLS_ENOENT;
  __sync_fetch_and_add(h, MLS_GEN_ONE);
  mls_retire(st, s);
  __sync_fetch_and_add(&st->deleted, 1);
  return 0;
}

/* The API: a task's or a cgroup's entry (NULL when it has none, or none is free with
 * MLS_F_CREATE), and its deletion (0, -MLS_ENOENT, -MLS_EBUSY while it is being created). */
static __always_inline MLS_VALUE *mls_get(struct task_struct *task, __u64 flags) {
  struct mls_link *l = bpf_task_storage_get(&mls_task_link, task, 0,
                                            (flags & MLS_F_CREATE) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
  return mls_get_link(l, flags);
}

static __always_inline int mls_delete(struct task_struct *task) {
  return mls_delete_link(bpf_task_storage_get(&mls_task_link, task, 0, 0));
}

static __always_inline MLS_VALUE *mls_cgrp_get(struct cgroup *cgrp, __u64 flags) {
  struct mls_link *l = bpf_cgrp_storage_get(&mls_cgrp_link, cgrp, 0,
                                            (flags & MLS_F_CREATE) ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
  return mls_get_link(l, flags);
}

static __always_inline int mls_cgrp_delete(struct cgroup *cgrp) {
  return mls_delete_link(bpf_cgrp_storage_get(&mls_cgrp_link, cgrp, 0, 0));
}

/* mls_sys's reclaim pass: one slot per bpf_loop iteration, from the drained side first, then
 * from the slots an earlier pass deferred. */
struct mls_reclaim {
  __u64 cur;      /* slot + 1 at the head of the drained side */
  __u64 old_def;  /* slot + 1 at the head of the previously deferred slots */
  __u64 freed, kept;
};

static __always_inline void mls_push_free(struct mls_state *st, __u32 s, struct mls_reclaim *r) {
  for (int i = 0; i < MLS_CAS_TRIES; i++) {
    __u64 old = MLS_READ_ONCE(st->free_head);
    st->next[MLS_IDX(s)] = (__u32)old;
    if (__sync_val_compare_and_swap(&st->free_head, old, (((old >> 32) + 1) << 32) | ((__u64)s + 1)) == old) {
      r->freed++;
      return;
    }
  }
  st->next[MLS_IDX(s)] = (__u32)st->deferred_head; /* contended: try again next pass */
  st->deferred_head = (__u64)s + 1;
  r->kept++;
}

static long mls_reclaim_one(__u64 index, void *ctx) {
  struct mls_reclaim *r = ctx;
  struct mls_state *st = mls_state();
  (void)index;
  if (!st)
    return 1;
  int from_cur = r->cur != MLS_NIL;
  __u64 top = from_cur ? r->cur : r->old_def;
  if (top == MLS_NIL)
    return 1;
  __u32 s = (__u32)top - 1;
  __u64 *h = s < MLS_MAX_ENTRIES ? mls_hdr_word(s) : NULL;
  if (!h)
    return 1;
  if (from_cur)
    r->cur = st->next[MLS_IDX(s)];
  else
    r->old_def = st->next[MLS_IDX(s)];
#ifdef MLS_MUTANT_RECLAIM_IGNORES_PINS
  if (0) { /* The mutant: a pinned slot is freed like any other. */
#else
  if (mls_hdr_pins(__sync_fetch_and_add(h, 0)) != 0) {
#endif
    st->next[MLS_IDX(s)] = (__u32)st->deferred_head; /* a user writer is inside: not yet */
    st->deferred_head = (__u64)s + 1;
    r->kept++;
    return 0;
  }
  mls_push_free(st, s, r);
  return 0;
}

/* The library's maintenance program (BPF_PROG_TEST_RUN by mls_maintain, see mls.c). */
SEC("syscall")
int mls_sys(struct mls_sys_args *a) {
  struct mls_state *st = mls_state();
  if (!st)
    return -MLS_ENOENT;
  if (a->op == MLS_SYS_FLIP) {
    if (__sync_val_compare_and_swap(&st->maintaining, 0, 1) != 0)
      return -MLS_EBUSY;
    a->side = __sync_fetch_and_add(&st->epoch, 1) & 1;
    return 0;
  }
  if (a->op == MLS_SYS_RECLAIM) {
    struct mls_reclaim r = {};
    r.cur = __sync_lock_test_and_set(&st->pend[a->side & 1], 0);
    r.old_def = st->deferred_head;
    st->deferred_head = MLS_NIL;
    bpf_loop(2 * MLS_MAX_ENTRIES, mls_reclaim_one, &r, 0);
    a->reclaimed = r.freed;
    a->deferred = r.kept;
    __sync_lock_test_and_set(&st->maintaining, 0);
    return 0;
  }
  if (a->op == MLS_SYS_ABORT) {
    __sync_lock_test_and_set(&st->maintaining, 0);
    return 0;
  }
  if (a->op == MLS_SYS_STATS) {
    a->created = st->created;
    a->deleted = st->deleted;
    a->failed = st->failed;
    a->fresh = st->fresh;
    a->reclaimed = st->created - st->deleted;
    return 0;
  }
  return -MLS_ENOENT;
}

#endif
