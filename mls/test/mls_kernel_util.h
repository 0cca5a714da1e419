/* What the library's kernel programs share (the CTest, lsmc mls stress and diff, the benchmark):
 * whether BPF works here, the test program's commands, cgroups made for a run and removed again
 * (also those of an earlier run that was killed), and the check that a BPF object left nothing
 * behind in the kernel. */
#ifndef MLS_KERNEL_UTIL_H
#define MLS_KERNEL_UTIL_H

#include <stddef.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;
struct bpf_link;

/* NULL when bpf() works here (root, BTF, a map can be created); else one line saying why not. */
const char *mls_bpf_unavailable(void);
/* libbpf's messages (the verifier log among them) only with LSMC_LIBBPF_DEBUG=1. */
void mls_quiet_libbpf(void);
/* Runs mls_test_cmd once as the calling thread (BPF_PROG_TEST_RUN); its return value. */
long mls_test_cmd(int prog_fd, __u64 op, __u64 arg);

/* A fresh cgroup-v2 directory for this run (<root>/mls-test-<pid>-<n>): 0, or -1 without one. */
int mls_cgroup_make(char *path, size_t len);
/* Moves the calling process into the cgroup: 0 or -1. */
int mls_cgroup_join(const char *path);
/* Removes the directories of earlier runs whose process is gone. */
void mls_cgroup_remove_stale(void);

struct mls_ids {
  __u32 maps[32], progs[16], links[8];
  int n_maps, n_progs, n_links;
};
void mls_ids_of(struct bpf_object *obj, struct mls_ids *ids);
void mls_ids_add_links(struct mls_ids *ids, struct bpf_link *a, struct bpf_link *b, struct bpf_link *c);
/* Whether every map, program and link is gone from the kernel within timeout_ms. */
int mls_ids_gone(const struct mls_ids *ids, int timeout_ms);
/* A child loads and attaches the test object, maps the region, creates an entry, and is killed
 * with SIGKILL: whether everything it made is gone from the kernel afterwards. */
int mls_killed_child_leaves_nothing(void);

#ifdef __cplusplus
}
#endif

#endif
