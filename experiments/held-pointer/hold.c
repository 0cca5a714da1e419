// Runs hold.bpf.c's program against a task that exits and is reaped while the program sleeps
// holding its task storage value, then lets other tasks create elements, then lets the program go
// on. Prints what the program read after the sleep and which element (if any) its write landed in.
// Needs root, a kernel with BTF, and userfaultfd. Exits 2 on a set-up failure.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "sleep_page.h"

#define CHILDREN 32

struct args {
  int32_t pid;
  int32_t step;
  uint64_t uaddr;
  uint64_t before;
  int64_t copy_err;
  int32_t release_late;
  int32_t pad;
};

static int prog_fd;
static struct args a;
static int run_err;

static pid_t idle_child(void) {
  pid_t p = fork();
  if (p < 0) die("fork");
  if (p == 0) {
    for (;;) pause();
  }
  return p;
}

static int pidfd_of(pid_t p) {
  int fd = (int)syscall(SYS_pidfd_open, p, 0);
  if (fd < 0) die("pidfd_open");
  return fd;
}

static void *run_prog(void *unused) {
  (void)unused;
  pin(0);
  // A syscall program gets ctx_in and writes it back there (ctx_out is refused with EINVAL).
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
  run_err = bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
  return NULL;
}

int main(int argc, char **argv) {
  const char *obj_path = argc > 1 ? argv[1] : "hold.bpf.o";
  // "late": the control, in which the program keeps its task reference across the sleep.
  a.release_late = argc > 2 && strcmp(argv[2], "late") == 0;
  pin(0);
  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  if (!obj) die("bpf_object__open_file");
  if (bpf_object__load(obj)) die("bpf_object__load (the verifier refused the program?)");
  prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "hold"));
  const int map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "stor"));

  const struct sleep_page page = sleep_page_open();

  const pid_t target = idle_child();
  a.pid = target;
  a.uaddr = (uintptr_t)page.addr;
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_prog, NULL)) die("pthread_create");

  // The program is asleep once its bpf_copy_from_user() faults on the page.
  if (!sleep_page_wait(&page)) {
    fprintf(stderr, "hold: the program never faulted on the page (step %d, run %d)\n", a.step, run_err);
    return 2;
  }
  printf("program asleep in bpf_copy_from_user, holding the value of task %d\n", target);

  // The target exits and is reaped; its last reference goes after a grace period, and with it
  // its task storage (bpf_task_storage_free, reuse_now).
  const int target_pidfd = pidfd_of(target);
  kill(target, SIGKILL);
  waitpid(target, NULL, 0);
  usleep(300 * 1000);
  uint64_t v;
  const int lookup = bpf_map_lookup_elem(map_fd, &target_pidfd, &v) ? -errno : 0;
  printf("target reaped; lookup of its element by pidfd: %s\n", lookup ? strerror(-lookup) : "still there");

  // Other tasks create their first elements: the allocator may hand out the freed one.
  pid_t kids[CHILDREN];
  int kid_fd[CHILDREN];
  for (int i = 0; i < CHILDREN; ++i) {
    kids[i] = idle_child();
    kid_fd[i] = pidfd_of(kids[i]);
    v = 0x2000 + (uint64_t)i;
    if (bpf_map_update_elem(map_fd, &kid_fd[i], &v, BPF_ANY)) die("bpf_map_update_elem");
  }

  // Let the program go on.
  sleep_page_release(&page);
  pthread_join(thread, NULL);
  printf("program returned (run %d, step %d, bpf_copy_from_user %lld)\n", run_err, a.step, (long long)a.copy_err);
  printf("value read after the sleep: 0x%llx (0x1111: the old element untouched; 0x20NN: task NN's element)\n",
         (unsigned long long)a.before);
  int hit = -1;
  for (int i = 0; i < CHILDREN; ++i) {
    if (bpf_map_lookup_elem(map_fd, &kid_fd[i], &v)) die("bpf_map_lookup_elem");
    if (v == 0xdeadbeef) hit = i;
  }
  if (hit >= 0) {
    printf("RESULT: the program's write after the sleep landed in another task's element (child %d, pid %d)\n", hit,
           kids[hit]);
  } else {
    printf("RESULT: no other task's element was written (the freed element was not reused by them)\n");
  }
  for (int i = 0; i < CHILDREN; ++i) {
    kill(kids[i], SIGKILL);
    waitpid(kids[i], NULL, 0);
  }
  return hit >= 0 ? 1 : 0;
}
