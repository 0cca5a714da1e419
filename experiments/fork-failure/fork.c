// Does a fork that fails early destroy the parent's task storage? dup_task_struct() copies the
// parent (task->bpf_storage included); copy_process() clears the child's pointer only later. A
// fork refused by RLIMIT_NPROC (an unprivileged user at its limit) unwinds through
// bad_fork_free -> free_task() -> bpf_task_storage_free(child), which reads the copied pointer.
// A process of a spare uid at its RLIMIT_NPROC gets an element (set by its root parent through a
// pidfd), tries to fork, and the parent looks the element up again. Needs root. Exits 2 on a
// set-up failure, 1 when the element is gone.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "fork: %s: %s\n", what, strerror(errno));
  exit(2);
}

int main(int argc, char **argv) {
  const char *obj_path = argc > 1 ? argv[1] : "fork.bpf.o";
  const int limit = argc > 2 ? atoi(argv[2]) : 1;  // RLIMIT_NPROC of the child; 0: unlimited (the control)
  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  if (!obj || bpf_object__load(obj)) die("bpf_object__load");
  const int map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "stor"));
  int ready[2], go[2], done[2];
  if (pipe(ready) || pipe(go) || pipe(done)) die("pipe");
  const pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    // A spare uid, limited to the one process it has.
    if (limit > 0) {
      struct rlimit rl = {(rlim_t)limit, (rlim_t)limit};
      if (setrlimit(RLIMIT_NPROC, &rl)) die("setrlimit");
    }
    if (setgid(54321) || setuid(54321)) die("setuid");
    char c = 'r';
    if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) die("pipe");
    const pid_t grandchild = fork();
    const int err = grandchild < 0 ? errno : 0;
    if (grandchild == 0) _exit(0);
    if (grandchild > 0) waitpid(grandchild, NULL, 0);
    c = err ? 'f' : 's';
    if (write(done[1], &c, 1) != 1) die("pipe");
    pause();
    _exit(0);
  }
  char c;
  if (read(ready[0], &c, 1) != 1) die("pipe");
  const int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  if (pidfd < 0) die("pidfd_open");
  uint64_t v = 0x7777;
  if (bpf_map_update_elem(map_fd, &pidfd, &v, BPF_ANY)) die("bpf_map_update_elem");
  c = 'g';
  if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1) die("pipe");
  printf("the child's fork %s (RLIMIT_NPROC %s)\n", c == 'f' ? "failed" : "succeeded",
         limit > 0 ? "1" : "unlimited");
  v = 0;
  const int err = bpf_map_lookup_elem(map_fd, &pidfd, &v) ? errno : 0;
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  if (err) {
    printf("RESULT: the child's element is gone (%s)\n", strerror(err));
    return 1;
  }
  printf("RESULT: the child still has its element (0x%llx)\n", (unsigned long long)v);
  return 0;
}
