// Which special fields may a local storage value hold, and may a syscall update a value with a
// uptr under BPF_F_LOCK? Creates one map per case by BPF_MAP_CREATE with the value types of
// fields.bpf.c (not through bpf_object__load(), which retries a refused map without BTF and
// reports that retry's error) and prints one RESULT line per question. Needs root. Exits 2 on a
// set-up failure.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BPF_MAP_TYPE_CGRP_STORAGE
#define BPF_MAP_TYPE_CGRP_STORAGE 32  // uapi/linux/bpf.h since 6.2; this libbpf's headers are older
#endif

static void die(const char *what) {
  printf("fields: %s: %s\n", what, strerror(errno));
  exit(2);
}

static const char *name_of(int err) {
  switch (err) {
    case -EOPNOTSUPP: return "EOPNOTSUPP";
    case -524: return "ENOTSUPP";  // the kernel-internal ENOTSUPP
    case -EINVAL: return "EINVAL";
    case -EPERM: return "EPERM";
    default: return err >= 0 ? "created" : "another error";
  }
}

static struct btf *btf;

// BPF_MAP_CREATE of a local storage map of `type` whose value is the struct `value`: the fd or
// the negative errno.
static int create(enum bpf_map_type type, const char *value) {
  const __s32 key_id = btf__find_by_name_kind(btf, "int", BTF_KIND_INT);
  const __s32 value_id = btf__find_by_name_kind(btf, value, BTF_KIND_STRUCT);
  if (key_id < 0 || value_id < 0) die("find the key and value types");
  const struct btf_type *t = btf__type_by_id(btf, value_id);
  LIBBPF_OPTS(bpf_map_create_opts, opts, .btf_fd = btf__fd(btf), .btf_key_type_id = key_id,
              .btf_value_type_id = value_id, .map_flags = BPF_F_NO_PREALLOC);
  const int fd = bpf_map_create(type, value, 4, t->size, 0, &opts);
  return fd < 0 ? -errno : fd;
}

int main(int argc, char **argv) {
  const char *obj = argc > 1 ? argv[1] : "fields.bpf.o";
  // Loading the object with no map created loads its BTF (finalized as libbpf does) and nothing
  // else.
  libbpf_set_print(NULL);
  struct bpf_object *o = bpf_object__open_file(obj, NULL);
  if (!o) die("bpf_object__open_file");
  struct bpf_map *m;
  bpf_object__for_each_map(m, o) bpf_map__set_autocreate(m, false);
  if (bpf_object__load(o)) die("bpf_object__load");
  btf = bpf_object__btf(o);
  if (!btf || btf__fd(btf) < 0) die("the object's BTF in the kernel");
  static const struct {
    const char *what;
    enum bpf_map_type type;
    const char *value;
  } cases[] = {
      {"bpf_timer in task storage", BPF_MAP_TYPE_TASK_STORAGE, "timer_value"},
      {"bpf_wq in task storage", BPF_MAP_TYPE_TASK_STORAGE, "wq_value"},
      {"bpf_timer in cgroup storage", BPF_MAP_TYPE_CGRP_STORAGE, "timer_value"},
      {"bpf_wq in sk storage", BPF_MAP_TYPE_SK_STORAGE, "wq_value"},
      {"bpf_timer in inode storage", BPF_MAP_TYPE_INODE_STORAGE, "timer_value"},
      {"percpu kptr in task storage", BPF_MAP_TYPE_TASK_STORAGE, "percpu_value"},
      {"uptr in cgroup storage", BPF_MAP_TYPE_CGRP_STORAGE, "uptr_lock_value"},
      {"uptr and bpf_spin_lock in task storage", BPF_MAP_TYPE_TASK_STORAGE, "uptr_lock_value"},
  };
  int map_fd = -1;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    const int fd = create(cases[i].type, cases[i].value);
    printf("RESULT: %s: %s\n", cases[i].what, name_of(fd));
    if (fd >= 0) {
      if (i + 1 == sizeof(cases) / sizeof(cases[0])) map_fd = fd; else close(fd);
    }
  }
  if (map_fd < 0) return 0;
  const int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) die("pidfd_open");
  char value[16] = {0};  // the lock word and a NULL uptr
  const int locked = bpf_map_update_elem(map_fd, &pidfd, value, BPF_F_LOCK) ? -errno : 0;
  printf("RESULT: a uptr value updated with BPF_F_LOCK: %s\n", locked == 0 ? "done" : name_of(locked));
  const int plain = bpf_map_update_elem(map_fd, &pidfd, value, BPF_ANY) ? -errno : 0;
  printf("RESULT: a uptr value updated without BPF_F_LOCK: %s\n", plain == 0 ? "done" : name_of(plain));
  return 0;
}
