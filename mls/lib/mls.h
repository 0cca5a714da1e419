/* mls.h: user-mappable local storage on today's kernels, user side (docs/mls.md).
 *
 * A daemon opens the library on a loaded BPF object that includes bpf/mls.bpf.h, turns an
 * owner (a pidfd, or a cgroup-v2 directory fd) into a handle with one bpf() call, and from then
 * on reads and writes the owner's entry through its own mapping, without syscalls, until the
 * handle goes stale (-ESTALE: the owner's entry was deleted; open a new handle).
 */
#ifndef MLS_H
#define MLS_H

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mls;
struct bpf_object;

struct mls_handle {
  __u32 slot;
  __u32 gen; /* odd: the generation the entry had when the handle was made */
};

struct mls_stats {
  __u64 live;     /* entries created and not deleted */
  __u64 created;
  __u64 deleted;
  __u64 failed;   /* creations that found no free slot */
  __u64 capacity; /* slots in the region */
};

/* Maps the region of a loaded object that includes mls.bpf.h. NULL with errno on failure. */
struct mls *mls_open(struct bpf_object *obj);
/* Unmaps the region. The object (maps, programs) stays the caller's. */
void mls_close(struct mls *m);

/* An owner's entry: fd is a pidfd or a cgroup-v2 directory fd. 0, or -ENOENT (no entry),
 * -EBADF (neither kind of fd), another -errno from bpf(). One syscall. */
int mls_handle(struct mls *m, int fd, struct mls_handle *h);

/* Copies the entry (the map's value size) into buf: 0, or -ESTALE when the handle's entry was
 * deleted before or during the copy (buf then holds nothing meaningful). No syscall. The copy
 * is consistent against deletion and reuse, not against concurrent BPF stores to the live entry. */
int mls_read(struct mls *m, struct mls_handle h, void *buf);

/* Stores len bytes at offset off of the entry: 0, -ESTALE (nothing stored), -EINVAL (out of
 * range). The slot is pinned first with one atomic on its header word, which fails once the
 * entry is deleted, and a deleted slot is not reused while pinned: a store never lands in
 * another owner's entry. No syscall. */
int mls_write(struct mls *m, struct mls_handle h, size_t off, const void *src, size_t len);

/* Visits every live entry: fn(slot's handle, a copy of the entry, arg); a nonzero return stops
 * the walk and is returned. Entries deleted during the walk are skipped. No syscall. */
int mls_for_each(struct mls *m, int (*fn)(struct mls_handle h, const void *entry, void *arg), void *arg);

/* Makes deleted slots reusable: closes the current batch of deletions, waits for an RCU grace
 * period (no program that could still hold one of them runs), and frees the batch, keeping
 * slots a writer pins. Returns the number of slots freed, or -errno (-EBUSY: another
 * mls_maintain runs on the same map). Three syscalls; call it from the daemon's loop. */
int mls_maintain(struct mls *m);

int mls_stats(struct mls *m, struct mls_stats *s);

/* The entry's size in bytes and the region's capacity. */
size_t mls_value_size(const struct mls *m);
__u32 mls_capacity(const struct mls *m);

#ifdef __cplusplus
}
#endif

#endif
