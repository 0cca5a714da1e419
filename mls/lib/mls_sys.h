/* The library's view of its platform: what mls.c needs from the kernel, implemented once for
 * Linux (mls_sys_linux.c: libbpf and bpf()) and once for lsmc's host build, where the same
 * mls.c runs on lsmc's kernel model (model/bpfhost/). Everything else is in mls.c. */
#ifndef MLS_SYS_H
#define MLS_SYS_H

#include <stddef.h>
#include <linux/types.h>

#include "mls_layout.h"

struct mls {
  __u64 *hdr;              /* the header words, mapped */
  unsigned char *entries;  /* the entries, mapped: slot i at i * elem_size */
  size_t value_size;
  size_t elem_size;        /* round_up(value_size, 8), as the array map lays values out */
  __u32 capacity;
  void *sys;               /* the platform's own state */
};

/* On Linux the platform's functions take other names (MLS_PLATFORM_LINUX, set by mls/CMakeLists.txt
 * for the `mls` library): lsmc links that library (lsmc mls stress, diff) and also loads host
 * builds of mls.c whose mls_sys_* calls resolve to lsmc's own exports (model/bpfhost/exports.list,
 * mls_platform.cpp); one name for both would be defined twice. */
#ifdef MLS_PLATFORM_LINUX
#define mls_sys_link_lookup mls_linux_link_lookup
#define mls_sys_run mls_linux_run
#define mls_sys_grace_period mls_linux_grace_period
#endif

/* The owner's link word (mls_layout.h) by pidfd or cgroup fd: 0 or -errno (-ENOENT, -EBADF). */
int mls_sys_link_lookup(struct mls *m, int fd, __u64 *word);
/* Runs the mls_sys program on `args` (in and out): its return value, or -errno. */
int mls_sys_run(struct mls *m, struct mls_sys_args *args);
/* Returns once no BPF program that was running at the call still runs. 0 or -errno. */
int mls_sys_grace_period(struct mls *m);

#endif
