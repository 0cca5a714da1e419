// The allocator-reuse control of the held-pointer experiment, with no program asleep: a task gets
// an element, exits and is reaped, and after 300 ms 32 new tasks get their first elements (as in
// hold.c). Prints, for each of 5 rounds, which new element (if any) has the freed one's address.
// hold.c's finding needs the freed element to be handed to one of them; this shows whether this
// kernel does so at all. Needs root and BTF. Exits 2 on a set-up failure.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <sys/wait.h>

#include "sleep_page.h"

#define CHILDREN 32
#define ROUNDS 5

struct args {
  int32_t pid;
  int32_t pad;
  uint64_t addr;
};

static int prog_fd;

static uint64_t element_of(pid_t p) {
  struct args a = {.pid = p};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
  if (bpf_prog_test_run_opts(prog_fd, &opts)) die("bpf_prog_test_run_opts");
  if (!a.addr) die("addr_of: no element");
  return a.addr;
}

static pid_t idle_child(void) {
  pid_t p = fork();
  if (p < 0) die("fork");
  if (p == 0) {
    for (;;) pause();
  }
  return p;
}

int main(int argc, char **argv) {
  const char *obj_path = argc > 1 ? argv[1] : "reuse.bpf.o";
  pin(0);
  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  if (!obj) die("bpf_object__open_file");
  if (bpf_object__load(obj)) die("bpf_object__load");
  prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "addr_of"));
  for (int round = 0; round < ROUNDS; ++round) {
    const pid_t target = idle_child();
    const uint64_t freed = element_of(target);
    kill(target, SIGKILL);
    waitpid(target, NULL, 0);
    usleep(300 * 1000);
    pid_t kids[CHILDREN];
    int taker = -1;
    for (int i = 0; i < CHILDREN; ++i) {
      kids[i] = idle_child();
      if (element_of(kids[i]) == freed && taker < 0) taker = i;
    }
    if (taker >= 0) {
      printf("reuse control, round %d: the freed element went to new element %d of %d\n", round, taker, CHILDREN);
    } else {
      printf("reuse control, round %d: no new element of %d took the freed element\n", round, CHILDREN);
    }
    for (int i = 0; i < CHILDREN; ++i) {
      kill(kids[i], SIGKILL);
      waitpid(kids[i], NULL, 0);
    }
  }
  return 0;
}
