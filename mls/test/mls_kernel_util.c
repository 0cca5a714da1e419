#define _GNU_SOURCE
#include "mls_kernel_util.h"

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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mls.h"
#include "mls_test.h"
#include "mls_test.skel.h"

const char *mls_bpf_unavailable(void) {
  static char why[160];
  if (geteuid() != 0)
    return "needs root (bpf() with task storage and tracing programs)";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    return "needs /sys/kernel/btf/vmlinux (a kernel with BTF)";
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "mls_probe", 4, 8, 1, NULL);
  if (fd < 0) {
    snprintf(why, sizeof(why), "bpf() refused here: %s", strerror(errno));
    return why;
  }
  close(fd);
  return NULL;
}

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args) {
  const char *debug = getenv("LSMC_LIBBPF_DEBUG");
  (void)level;
  if (!debug || debug[0] != '1')
    return 0;
  return vfprintf(stderr, format, args);
}

void mls_quiet_libbpf(void) { libbpf_set_print(libbpf_print); }

long mls_test_cmd(int prog_fd, __u64 op, __u64 arg) {
  __u64 args[2] = {op, arg};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
    return -1000 - errno;
  return (long)(int)opts.retval;
}

static const char *cgroup_root(void) {
  static char root[256];
  FILE *f = fopen("/proc/self/mounts", "r");
  char dev[256], dir[256], type[64];
  if (!f)
    return NULL;
  root[0] = 0;
  while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir, type) == 3) {
    if (strcmp(type, "cgroup2") == 0) {
      snprintf(root, sizeof(root), "%s", dir);
      break;
    }
  }
  fclose(f);
  return root[0] ? root : NULL;
}

int mls_cgroup_make(char *path, size_t len) {
  static int serial;
  const char *root = cgroup_root();
  if (!root)
    return -1;
  snprintf(path, len, "%s/mls-test-%d-%d", root, (int)getpid(), serial++);
  return mkdir(path, 0755) == 0 ? 0 : -1;
}

int mls_cgroup_join(const char *path) {
  char procs[320];
  snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
  int fd = open(procs, O_WRONLY);
  if (fd < 0)
    return -1;
  int ok = write(fd, "0", 1) == 1;
  close(fd);
  return ok ? 0 : -1;
}

void mls_cgroup_remove_stale(void) {
  const char *root = cgroup_root();
  DIR *d = root ? opendir(root) : NULL;
  struct dirent *e;
  char path[512];
  if (!d)
    return;
  while ((e = readdir(d))) {
    int pid, n;
    if (sscanf(e->d_name, "mls-test-%d-%d", &pid, &n) == 2 && kill(pid, 0) != 0 && errno == ESRCH) {
      snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
      rmdir(path);
    }
  }
  closedir(d);
}

static __u32 map_id(int fd) {
  struct bpf_map_info info = {0};
  __u32 len = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

static __u32 prog_id(int fd) {
  struct bpf_prog_info info = {0};
  __u32 len = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

void mls_ids_of(struct bpf_object *obj, struct mls_ids *ids) {
  struct bpf_map *map;
  struct bpf_program *prog;
  memset(ids, 0, sizeof(*ids));
  bpf_object__for_each_map(map, obj) {
    if (bpf_map__fd(map) >= 0 && ids->n_maps < 32)
      ids->maps[ids->n_maps++] = map_id(bpf_map__fd(map));
  }
  bpf_object__for_each_program(prog, obj) {
    if (bpf_program__fd(prog) >= 0 && ids->n_progs < 16)
      ids->progs[ids->n_progs++] = prog_id(bpf_program__fd(prog));
  }
}

void mls_ids_add_links(struct mls_ids *ids, struct bpf_link *a, struct bpf_link *b, struct bpf_link *c) {
  struct bpf_link *links[3] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    struct bpf_link_info info = {0};
    __u32 len = sizeof(info);
    if (links[i] && bpf_obj_get_info_by_fd(bpf_link__fd(links[i]), &info, &len) == 0 && ids->n_links < 8)
      ids->links[ids->n_links++] = info.id;
  }
}

static int alive(int (*get)(__u32), const __u32 *ids, int n) {
  int live = 0;
  for (int i = 0; i < n; i++) {
    int fd = get(ids[i]);
    if (fd >= 0) {
      close(fd);
      live++;
    }
  }
  return live;
}

static int map_by_id(__u32 id) { return bpf_map_get_fd_by_id(id); }
static int prog_by_id(__u32 id) { return bpf_prog_get_fd_by_id(id); }
static int link_by_id(__u32 id) { return bpf_link_get_fd_by_id(id); }

int mls_ids_gone(const struct mls_ids *ids, int timeout_ms) {
  /* Maps and programs are freed from a workqueue after their last reference (and a grace
   * period): poll. */
  for (int waited = 0; waited <= timeout_ms; waited += 20) {
    if (alive(map_by_id, ids->maps, ids->n_maps) + alive(prog_by_id, ids->progs, ids->n_progs) +
            alive(link_by_id, ids->links, ids->n_links) == 0)
      return 1;
    usleep(20 * 1000);
  }
  return 0;
}

int mls_killed_child_leaves_nothing(void) {
  int p[2];
  struct mls_ids ids;
  if (pipe(p) != 0)
    return 0;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    struct mls_test *skel = mls_test__open_and_load();
    if (!skel || mls_test__attach(skel) != 0)
      _exit(2);
    struct mls *m = mls_open(skel->obj);
    if (!m || mls_test_cmd(bpf_program__fd(skel->progs.mls_test_cmd), MLS_TEST_CREATE, 1) != 0)
      _exit(2);
    struct mls_ids mine;
    mls_ids_of(skel->obj, &mine);
    mls_ids_add_links(&mine, skel->links.mls_test_exit, skel->links.mls_test_rmdir, skel->links.mls_test_fork);
    if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
      _exit(2);
    for (;;)
      pause();
  }
  close(p[1]);
  int got = read(p[0], &ids, sizeof(ids)) == sizeof(ids);
  close(p[0]);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return got && ids.n_maps > 0 && mls_ids_gone(&ids, 5000);
}
