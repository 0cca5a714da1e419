/* lsmc mls diff's kernel side (docs/mls.md): one operation of a generated sequence on the library
 * on this machine's kernel. Owners are child processes that run the test program's commands as
 * themselves; the daemon side is this process, with one stored handle per owner. The model side
 * (properties/mls_diff.cpp) implements the same operations on model/mappable. */
#ifndef MLS_DIFF_KERNEL_H
#define MLS_DIFF_KERNEL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLS_DIFF_OWNERS 3

enum mls_diff_op {
  MLS_DIFF_CREATE,    /* BPF, as the owner (a new task if it exited): mls_get F_CREATE, data = value */
  MLS_DIFF_DELETE,    /* BPF, as the owner: mls_delete */
  MLS_DIFF_HANDLE,    /* user: mls_handle by the owner's pidfd, stored for the owner */
  MLS_DIFF_READ,      /* user: mls_read through the stored handle: its data */
  MLS_DIFF_WRITE,     /* user: mls_write of data = value through the stored handle */
  MLS_DIFF_BPF_GET,   /* BPF, as the owner: mls_get without F_CREATE: its data */
  MLS_DIFF_EXIT,      /* the owner exits (the exit hook deletes its entry); a zombie */
  MLS_DIFF_MAINTAIN,  /* user: mls_maintain */
  MLS_DIFF_OPS
};

/* Outcome errors besides the library's: */
#define MLS_DIFF_NO_TASK (-3)   /* the owner has no live task */
#define MLS_DIFF_NO_HANDLE (-9) /* no handle stored for the owner */

struct mls_diff_outcome {
  int err;
  long long value;
};

struct mls_diff_kernel;
/* NULL with `error` set when the kernel side cannot be set up. */
struct mls_diff_kernel *mls_diff_kernel_open(char *error, size_t len);
/* Every owner exits and is reaped, the stored handles are dropped: a fresh sequence may start. */
void mls_diff_kernel_reset(struct mls_diff_kernel *k);
/* 0, or -1 when the backend itself failed (a child did not answer). */
int mls_diff_kernel_apply(struct mls_diff_kernel *k, int op, int owner, long long value, struct mls_diff_outcome *out);
void mls_diff_kernel_close(struct mls_diff_kernel *k);

#ifdef __cplusplus
}
#endif

#endif
