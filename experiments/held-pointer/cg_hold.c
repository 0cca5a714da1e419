// The cgroup form of hold.c: the program sleeps holding a cgroup storage value while the cgroup
// is removed (rmdir) and freed, then 32 new cgroups get their first elements, then the program
// goes on. Prints what it read and where its write landed. Needs root and cgroup v2. Exits 2 on a
// set-up failure, 1 when another cgroup's element was written.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <sys/stat.h>

#include "sleep_page.h"

#define CGROUPS 32

struct args {
  uint64_t cgid;
  uint64_t uaddr;
  uint64_t before;
  int64_t copy_err;
  int32_t step;
  int32_t release_late;
};

static int prog_fd;
static struct args a;
static int run_err;
static char root[256];

static void *run_prog(void *unused) {
  (void)unused;
  pin(0);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
  run_err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
  return NULL;
}

static int make_cgroup(const char *name, uint64_t *id) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", root, name);
  if (mkdir(path, 0755) && errno != EEXIST) die(path);
  struct stat st;
  if (stat(path, &st)) die(path);
  if (id) *id = st.st_ino;  // a cgroup v2 directory's inode number is its cgroup id
  int fd = open(path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) die(path);
  return fd;
}

static void remove_cgroup(const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", root, name);
  if (rmdir(path)) die(path);
}

int main(int argc, char **argv) {
  const char *obj_path = argc > 1 ? argv[1] : "cg_hold.bpf.o";
  a.release_late = argc > 2 && strcmp(argv[2], "late") == 0;
  const char *mnt = argc > 3 ? argv[3] : "/sys/fs/cgroup/unified";
  snprintf(root, sizeof(root), "%s/lsmc-cg-hold-%d", mnt, getpid());
  if (mkdir(root, 0755)) die(root);
  pin(0);
  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  if (!obj || bpf_object__load(obj)) die("bpf_object__load (the verifier refused the program?)");
  prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "cg_hold"));
  const int map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "cstor"));

  const struct sleep_page page = sleep_page_open();

  uint64_t target_id = 0;
  const int target_fd = make_cgroup("target", &target_id);
  a.cgid = target_id;
  a.uaddr = (uintptr_t)page.addr;
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_prog, NULL)) die("pthread_create");
  if (!sleep_page_wait(&page)) {
    fprintf(stderr, "hold: the program never faulted on the page (step %d, run %d)\n", a.step, run_err);
    return 2;
  }
  printf("program asleep in bpf_copy_from_user, holding the value of cgroup %llu\n", (unsigned long long)target_id);

  close(target_fd);
  remove_cgroup("target");
  usleep(500 * 1000);
  uint64_t v;
  int kid_fd[CGROUPS];
  for (int i = 0; i < CGROUPS; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "new%d", i);
    kid_fd[i] = make_cgroup(name, NULL);
    v = 0x2000 + (uint64_t)i;
    if (bpf_map_update_elem(map_fd, &kid_fd[i], &v, BPF_ANY)) die("bpf_map_update_elem");
  }
  sleep_page_release(&page);
  pthread_join(thread, NULL);
  printf("program returned (run %d, step %d, bpf_copy_from_user %lld)\n", run_err, a.step, (long long)a.copy_err);
  printf("value read after the sleep: 0x%llx (0x1111: the old element untouched; 0x20NN: cgroup NN's element)\n",
         (unsigned long long)a.before);
  int hit = -1;
  for (int i = 0; i < CGROUPS; ++i) {
    if (bpf_map_lookup_elem(map_fd, &kid_fd[i], &v)) die("bpf_map_lookup_elem");
    if (v == 0xdeadbeef) hit = i;
  }
  for (int i = 0; i < CGROUPS; ++i) {
    char name[32];
    snprintf(name, sizeof(name), "new%d", i);
    close(kid_fd[i]);
    remove_cgroup(name);
  }
  rmdir(root);
  if (hit >= 0) {
    printf("RESULT: the program's write after the sleep landed in another cgroup's element (new%d)\n", hit);
    return 1;
  }
  printf("RESULT: no other cgroup's element was written\n");
  return 0;
}
