/* The library's platform on Linux: libbpf for the object's maps and program, mmap for the
 * region, bpf() for the link lookup, the maintenance program and the grace period. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mls.h"
#include "mls_sys.h"

struct mls_linux {
  int task_link_fd, cgrp_link_fd, gp_fd, gp_inner_fd, sys_fd;
  size_t hdr_len, entries_len;
};

static size_t page_round(size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (n + page - 1) / page * page;
}

static int map_fd(struct bpf_object *obj, const char *name, struct bpf_map **out) {
  struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
  if (!map || bpf_map__fd(map) < 0)
    return -ENOENT;
  if (out)
    *out = map;
  return bpf_map__fd(map);
}

static void *map_region(int fd, size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? NULL : p;
}

struct mls *mls_open(struct bpf_object *obj) {
  struct mls *m = calloc(1, sizeof(*m));
  struct mls_linux *l = calloc(1, sizeof(*l));
  struct bpf_map *entries = NULL, *hdr = NULL;
  struct bpf_program *sys = obj ? bpf_object__find_program_by_name(obj, "mls_sys") : NULL;
  int err = ENOENT;
  if (!m || !l) {
    err = ENOMEM;
    goto fail;
  }
  m->sys = l;
  int entries_fd = obj ? map_fd(obj, "mls_entries", &entries) : -ENOENT;
  int hdr_fd = obj ? map_fd(obj, "mls_hdr", &hdr) : -ENOENT;
  l->task_link_fd = obj ? map_fd(obj, "mls_task_link", NULL) : -ENOENT;
  l->cgrp_link_fd = obj ? map_fd(obj, "mls_cgrp_link", NULL) : -ENOENT;
  l->gp_fd = obj ? map_fd(obj, "mls_gp", NULL) : -ENOENT;
  l->gp_inner_fd = obj ? map_fd(obj, "mls_gp_inner", NULL) : -ENOENT;
  l->sys_fd = sys ? bpf_program__fd(sys) : -ENOENT;
  if (entries_fd < 0 || hdr_fd < 0 || l->task_link_fd < 0 || l->cgrp_link_fd < 0 || l->gp_fd < 0 ||
      l->gp_inner_fd < 0 || l->sys_fd < 0)
    goto fail; /* not an object that includes mls.bpf.h, or not loaded */
  m->capacity = bpf_map__max_entries(entries);
  m->value_size = bpf_map__value_size(entries);
  m->elem_size = (m->value_size + 7) / 8 * 8;
  if (bpf_map__max_entries(hdr) != m->capacity || bpf_map__value_size(hdr) != 8) {
    err = EINVAL;
    goto fail;
  }
  l->entries_len = page_round(m->elem_size * m->capacity);
  l->hdr_len = page_round(8 * (size_t)m->capacity);
  m->entries = map_region(entries_fd, l->entries_len);
  m->hdr = map_region(hdr_fd, l->hdr_len);
  if (!m->entries || !m->hdr) {
    err = errno;
    goto fail;
  }
  return m;
fail:
  if (m)
    mls_close(m);
  else
    free(l);
  errno = err;
  return NULL;
}

void mls_close(struct mls *m) {
  if (!m)
    return;
  struct mls_linux *l = m->sys;
  if (m->entries)
    munmap(m->entries, l->entries_len);
  if (m->hdr)
    munmap(m->hdr, l->hdr_len);
  free(l);
  free(m);
}

int mls_sys_link_lookup(struct mls *m, int fd, __u64 *word) {
  struct mls_linux *l = m->sys;
  struct stat st;
  if (fstat(fd, &st) != 0)
    return -errno;
  int map = S_ISDIR(st.st_mode) ? l->cgrp_link_fd : l->task_link_fd;
  if (bpf_map_lookup_elem(map, &fd, word) != 0)
    return -errno;
  return 0;
}

int mls_sys_run(struct mls *m, struct mls_sys_args *args) {
  struct mls_linux *l = m->sys;
  /* A syscall program's context is copied back into ctx_in (bpf_prog_test_run_syscall()). */
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(*args));
  if (bpf_prog_test_run_opts(l->sys_fd, &opts) != 0)
    return -errno;
  return (int)opts.retval;
}

/* kernel/bpf/syscall.c (v6.18), maybe_wait_bpf_programs(): after an update of a map-in-map the
 * syscall runs synchronize_rcu() "so that userspace, when we return to it, knows that all
 * non-sleepable programs that could be running use the new map value". */
int mls_sys_grace_period(struct mls *m) {
  struct mls_linux *l = m->sys;
  __u32 zero = 0;
  if (bpf_map_update_elem(l->gp_fd, &zero, &l->gp_inner_fd, BPF_ANY) != 0)
    return -errno;
  return 0;
}
