/* The library on this machine's kernel: create, read, write, stale handles, delete, reuse after
 * mls_maintain, the cgroup form, and nothing left in the kernel on any exit path (the object's
 * maps, programs and links are gone after a normal exit and after a SIGKILL). Exit 0 when every
 * check passes, 1 when one fails, 77 (skipped, one line saying why) without BPF. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mls.h"
#include "mls_kernel_util.h"
#include "mls_test.h"
#include "mls_test.skel.h"

static int failures;

static void check(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf(ok ? "ok: " : "FAIL: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (!ok)
    failures++;
}

/* A child that runs one command as itself, then waits until the parent closes its pipe. With a
 * cgroup path it first moves itself into that cgroup. */
struct child {
  pid_t pid;
  int pidfd, pipe_w;
};

static struct child spawn(int prog_fd, __u64 op, __u64 arg, const char *cgroup) {
  int p[2], ready[2];
  struct child c = {-1, -1, -1};
  if (pipe(p) || pipe(ready))
    return c;
  c.pid = fork();
  if (c.pid == 0) {
    close(p[1]);
    close(ready[0]);
    if (cgroup && mls_cgroup_join(cgroup) != 0)
      _exit(3);
    long rc = mls_test_cmd(prog_fd, op, arg);
    if (write(ready[1], &rc, sizeof(rc)) != sizeof(rc))
      _exit(4);
    char ch;
    while (read(p[0], &ch, 1) > 0) {
    }
    _exit(0);
  }
  close(p[0]);
  close(ready[1]);
  long rc = -100;
  if (read(ready[0], &rc, sizeof(rc)) != sizeof(rc) || rc != 0)
    fprintf(stderr, "child command %llu returned %ld\n", (unsigned long long)op, rc);
  close(ready[0]);
  c.pipe_w = p[1];
  c.pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
  return c;
}

/* The child exits; returns once it is a zombie (its exit hook has run). */
static void child_exit(struct child *c) {
  siginfo_t info;
  close(c->pipe_w);
  waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOWAIT);
}

static void child_reap(struct child *c) {
  waitpid(c->pid, NULL, 0);
  close(c->pidfd);
}

static void self_checks(struct mls_test *skel, struct mls *m) {
  int prog = bpf_program__fd(skel->progs.mls_test_cmd);
  int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  struct mls_handle h, h2;
  struct mls_test_value v;
  check(mls_handle(m, self, &h) == -ENOENT, "no handle before the entry exists");
  check(mls_test_cmd(prog, MLS_TEST_CREATE, 123) == 0, "BPF creates the caller's entry (mls_get F_CREATE)");
  check(mls_handle(m, self, &h) == 0, "a handle from the pidfd (one syscall)");
  int rc = mls_read(m, h, &v);
  check(rc == 0 && v.owner == getpid() && v.data == 123,
        "the user reads what BPF wrote through the mapping (owner %d, data %lld)", v.owner, (long long)v.data);
  rc = mls_test_cmd(prog, MLS_TEST_WRITE, 456) == 0 ? mls_read(m, h, &v) : -1;
  check(rc == 0 && v.data == 456, "a later BPF store is seen through the same handle");
  __s64 hint = 789;
  check(mls_write(m, h, offsetof(struct mls_test_value, hint), &hint, sizeof(hint)) == 0 &&
            mls_test_cmd(prog, MLS_TEST_HINT, 0) == 789,
        "a user store (mls_write, pinned) is what BPF reads");
  check(mls_test_cmd(prog, MLS_TEST_DELETE, 0) == 0, "BPF deletes the entry (mls_delete)");
  check(mls_read(m, h, &v) == -ESTALE, "the handle is stale after the delete (-ESTALE)");
  check(mls_write(m, h, 0, &hint, sizeof(hint)) == -ESTALE, "a write through it stores nothing (-ESTALE)");
  check(mls_test_cmd(prog, MLS_TEST_DELETE, 0) == -2, "a second delete finds nothing (-ENOENT)");
  check(mls_test_cmd(prog, MLS_TEST_GET, 0) == MLS_TEST_NONE, "BPF finds no entry after the delete");
  int reclaimed = mls_maintain(m);
  check(reclaimed >= 1, "mls_maintain frees the deleted slots after a grace period (%d)", reclaimed);
  memset(&h2, 0, sizeof(h2));
  rc = mls_test_cmd(prog, MLS_TEST_CREATE, 5) == 0 ? mls_handle(m, self, &h2) : -1;
  check(rc == 0 && h2.slot == h.slot && h2.gen != h.gen,
        "the new entry reuses the freed slot with a new generation (slot %u gen %u, was slot %u gen %u)", h2.slot,
        h2.gen, h.slot, h.gen);
  int old = mls_read(m, h, &v);
  rc = mls_read(m, h2, &v);
  check(old == -ESTALE && rc == 0 && v.data == 5, "the old handle stays stale, the new one reads the new entry");
  mls_test_cmd(prog, MLS_TEST_DELETE, 0);
  int devnull = open("/dev/null", O_RDONLY);
  check(mls_handle(m, devnull, &h) == -EBADF, "a handle from an fd that is no pidfd: -EBADF");
  close(devnull);
  close(self);
}

static void child_checks(struct mls_test *skel, struct mls *m) {
  int prog = bpf_program__fd(skel->progs.mls_test_cmd);
  struct child c = spawn(prog, MLS_TEST_CREATE, 7, NULL);
  struct mls_handle h;
  struct mls_test_value v;
  memset(&v, 0, sizeof(v));
  int rc = c.pidfd >= 0 && mls_handle(m, c.pidfd, &h) == 0 ? mls_read(m, h, &v) : -1;
  check(rc == 0 && v.owner == c.pid, "another process's entry, read through a pidfd handle (owner %d)", v.owner);
  child_exit(&c);
  check(mls_read(m, h, &v) == -ESTALE, "its handle is stale once it exited (the exit hook deleted it)");
  check(mls_handle(m, c.pidfd, &h) == -ENOENT, "an exited task has no entry");
  child_reap(&c);
}

static void cgroup_checks(struct mls_test *skel, struct mls *m) {
  int prog = bpf_program__fd(skel->progs.mls_test_cmd);
  char path[256];
  if (mls_cgroup_make(path, sizeof(path)) != 0) {
    printf("ok: cgroup checks skipped: no cgroup-v2 hierarchy here\n");
    return;
  }
  struct child c = spawn(prog, MLS_TEST_CGRP_CREATE, 55, path);
  int dir = open(path, O_RDONLY | O_DIRECTORY);
  struct stat st;
  struct mls_handle h;
  struct mls_test_value v;
  fstat(dir, &st);
  memset(&v, 0, sizeof(v));
  int rc = mls_handle(m, dir, &h) == 0 ? mls_read(m, h, &v) : -1;
  check(rc == 0 && v.owner == (__s32)st.st_ino && v.data == 55,
        "a cgroup's entry, read through a handle from its directory fd (owner %d = its id)", v.owner);
  child_exit(&c);
  child_reap(&c);
  check(rmdir(path) == 0, "the cgroup is removed");
  check(mls_read(m, h, &v) == -ESTALE, "its handle is stale after rmdir (the cgroup_rmdir hook deleted it)");
  close(dir);
}

/* Whether mmap of the region's map fd at (off, len) is refused with EINVAL. */
static int mmap_refused(int fd, size_t off, size_t len) {
  void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
  if (p != MAP_FAILED) {
    munmap(p, len);
    return 0;
  }
  return errno == EINVAL;
}

/* The bound upstream asked for (PAGE_ALIGN): array_map_mmap() (kernel/bpf/arraymap.c, the check
 * added by the 2019 fix of fc9702273e2e) refuses a mapping past PAGE_ALIGN(max_entries *
 * elem_size) of the region; this checks that 6.18 does. */
static void mmap_bound_checks(struct mls_test *skel) {
  int fd = bpf_map__fd(skel->maps.mls_entries);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t region = (size_t)bpf_map__max_entries(skel->maps.mls_entries) * ((bpf_map__value_size(skel->maps.mls_entries) + 7) / 8 * 8);
  size_t pages = (region + page - 1) / page;
  check(!mmap_refused(fd, 0, pages * page), "the whole region maps (%zu pages)", pages);
  check(mmap_refused(fd, 0, (pages + 1) * page), "one page more than PAGE_ALIGN(region) is EINVAL");
  check(mmap_refused(fd, page, pages * page), "the region's length from one page in is EINVAL");
  check(!mmap_refused(fd, (pages - 1) * page, page), "the last page alone maps");
  check(mmap_refused(fd, pages * page, page), "a page past the region is EINVAL");
}

int main(void) {
  const char *why = mls_bpf_unavailable();
  if (why) {
    printf("skipped: %s\n", why);
    return 77;
  }
  mls_quiet_libbpf();
  mls_cgroup_remove_stale();
  struct mls_test *skel = mls_test__open_and_load();
  if (!skel) {
    printf("FAIL: the test object does not load: %s (LSMC_LIBBPF_DEBUG=1 shows the verifier log)\n", strerror(errno));
    return 1;
  }
  struct mls_ids ids;
  mls_ids_of(skel->obj, &ids);
  check(mls_test__attach(skel) == 0, "the exit and rmdir hooks attach (tp_btf)");
  mls_ids_add_links(&ids, skel->links.mls_test_exit, skel->links.mls_test_rmdir, skel->links.mls_test_fork);
  struct mls *m = mls_open(skel->obj);
  check(m != NULL, "mls_open maps the region");
  mmap_bound_checks(skel);
  if (m) {
    self_checks(skel, m);
    child_checks(skel, m);
    cgroup_checks(skel, m);
    mls_close(m);
  }
  mls_test__destroy(skel);
  check(mls_ids_gone(&ids, 5000), "nothing left in the kernel after a normal exit (%d maps, %d programs, %d links)",
        ids.n_maps, ids.n_progs, ids.n_links);
  check(mls_killed_child_leaves_nothing(), "nothing left in the kernel after a SIGKILL mid-run");
  printf("%s\n", failures ? "FAILED" : "PASSED");
  return failures ? 1 : 0;
}
