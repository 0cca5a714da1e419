/* The user library's protocol (docs/mls.md): handles, reads and pinned writes through the
 * mapping, the walk, and the maintenance that makes deleted slots reusable. The same file
 * builds for Linux (with mls_sys_linux.c) and for lsmc's host build (with its model platform). */
#include <errno.h>
#include <string.h>

#include "mls.h"
#include "mls_sys.h"

static __u64 *hdr_word(const struct mls *m, __u32 slot) { return &m->hdr[slot]; }

static unsigned char *entry_of(const struct mls *m, __u32 slot) { return m->entries + (size_t)slot * m->elem_size; }

/* Word by word, each load marked (relaxed atomic): BPF may store into the entry meanwhile. */
static void copy_out(const struct mls *m, __u32 slot, void *buf) {
  const __u64 *src = (const __u64 *)entry_of(m, slot);
  __u64 *dst = buf;
  for (size_t i = 0; i < m->value_size / 8; i++) dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

static void copy_in(const struct mls *m, __u32 slot, size_t off, const void *src, size_t len) {
  unsigned char *dst = entry_of(m, slot) + off;
  const unsigned char *s = src;
  if (off % 8 == 0 && len % 8 == 0) {
    for (size_t i = 0; i < len; i += 8) {
      __u64 v;
      memcpy(&v, s + i, 8);
      __atomic_store_n((__u64 *)(dst + i), v, __ATOMIC_RELAXED);
    }
    return;
  }
  for (size_t i = 0; i < len; i++) __atomic_store_n(dst + i, s[i], __ATOMIC_RELAXED);
}

int mls_handle(struct mls *m, int fd, struct mls_handle *h) {
  __u64 word = 0;
  int rc = mls_sys_link_lookup(m, fd, &word);
  if (rc)
    return rc;
  if (!mls_link_live(word))
    return -ENOENT;
  __u32 slot = mls_link_slot(word), gen = mls_link_gen(word);
  if (slot >= m->capacity || !mls_gen_live(gen))
    return -EIO;
  /* Deleted between the lookup and now: no handle. */
  if (mls_hdr_gen(__atomic_load_n(hdr_word(m, slot), __ATOMIC_ACQUIRE)) != gen)
    return -ENOENT;
  h->slot = slot;
  h->gen = gen;
  return 0;
}

/* Generation, entry, generation again: a deletion (and so any reuse) between the two loads
 * changes the generation, and the acquire fence keeps the copy between them. */
static int read_slot(const struct mls *m, struct mls_handle h, void *buf) {
  __u64 *w = hdr_word(m, h.slot);
  __u32 g1 = mls_hdr_gen(__atomic_load_n(w, __ATOMIC_ACQUIRE));
#ifdef MLS_MUTANT_RESYNC_STALE_HANDLE
  /* The mutant: a handle table that trusts its slot and takes the slot's new generation. */
  if (mls_gen_live(g1))
    h.gen = g1;
#endif
  if (g1 != h.gen || !mls_gen_live(g1))
    return -ESTALE;
  copy_out(m, h.slot, buf);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (mls_hdr_gen(__atomic_load_n(w, __ATOMIC_RELAXED)) != g1)
    return -ESTALE;
  return 0;
}

int mls_read(struct mls *m, struct mls_handle h, void *buf) {
  if (h.slot >= m->capacity)
    return -EINVAL;
  return read_slot(m, h, buf);
}

#ifndef MLS_MUTANT_UNPINNED_WRITE
int mls_write(struct mls *m, struct mls_handle h, size_t off, const void *src, size_t len) {
  if (h.slot >= m->capacity || off > m->value_size || len > m->value_size - off)
    return -EINVAL;
  __u64 *w = hdr_word(m, h.slot);
  __u64 cur = __atomic_load_n(w, __ATOMIC_RELAXED);
  do {
    if (mls_hdr_gen(cur) != h.gen || !mls_gen_live(h.gen))
      return -ESTALE;
  } while (!__atomic_compare_exchange_n(w, &cur, cur + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
  copy_in(m, h.slot, off, src, len);
  __atomic_fetch_sub(w, 1, __ATOMIC_RELEASE);
  return 0;
}
#else
/* The mutant: check the generation, store, check again. A deletion and a reuse between the
 * first check and the store put the store into the next owner's entry. */
int mls_write(struct mls *m, struct mls_handle h, size_t off, const void *src, size_t len) {
  if (h.slot >= m->capacity || off > m->value_size || len > m->value_size - off)
    return -EINVAL;
  __u64 *w = hdr_word(m, h.slot);
  if (mls_hdr_gen(__atomic_load_n(w, __ATOMIC_ACQUIRE)) != h.gen)
    return -ESTALE;
  copy_in(m, h.slot, off, src, len);
  return mls_hdr_gen(__atomic_load_n(w, __ATOMIC_ACQUIRE)) == h.gen ? 0 : -ESTALE;
}
#endif

int mls_for_each(struct mls *m, int (*fn)(struct mls_handle h, const void *entry, void *arg), void *arg) {
  __u64 buf[512];
  if (m->value_size > sizeof(buf))
    return -E2BIG;
  for (__u32 s = 0; s < m->capacity; s++) {
    __u32 g = mls_hdr_gen(__atomic_load_n(hdr_word(m, s), __ATOMIC_ACQUIRE));
    if (!mls_gen_live(g))
      continue;
    struct mls_handle h = {s, g};
    if (read_slot(m, h, buf) != 0)
      continue;
    int rc = fn(h, buf, arg);
    if (rc)
      return rc;
  }
  return 0;
}

int mls_maintain(struct mls *m) {
  struct mls_sys_args a = {.op = MLS_SYS_FLIP};
  int rc = mls_sys_run(m, &a);
  if (rc)
    return rc;
  rc = mls_sys_grace_period(m);
  if (rc) {
    /* The side stays unreclaimed; the next flip comes back to it and its grace period covers
     * these slots too. */
    struct mls_sys_args abort = {.op = MLS_SYS_ABORT};
    mls_sys_run(m, &abort);
    return rc;
  }
  struct mls_sys_args r = {.op = MLS_SYS_RECLAIM, .side = a.side};
  rc = mls_sys_run(m, &r);
  return rc ? rc : (int)r.reclaimed;
}

int mls_stats(struct mls *m, struct mls_stats *s) {
  struct mls_sys_args a = {.op = MLS_SYS_STATS};
  int rc = mls_sys_run(m, &a);
  if (rc)
    return rc;
  s->live = a.reclaimed;
  s->created = a.created;
  s->deleted = a.deleted;
  s->failed = a.failed;
  s->capacity = m->capacity;
  return 0;
}

size_t mls_value_size(const struct mls *m) { return m->value_size; }

__u32 mls_capacity(const struct mls *m) { return m->capacity; }
