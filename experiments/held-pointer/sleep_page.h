// Shared by hold.c, cg_hold.c and reuse.c: a page user space holds back with userfaultfd, so that
// a sleepable program's bpf_copy_from_user() on it sleeps until the driver lets it go, and the
// drivers' small helpers.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// A set-up failure: "hold: what: error" (check.sh reads the prefix as "not set up here"), exit 2.
static void die(const char *what) {
  fprintf(stderr, "hold: %s: %s\n", what, strerror(errno));
  exit(2);
}

// The calling thread runs on `cpu` only (bpf_mem_alloc's free lists are per CPU).
static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set)) die("sched_setaffinity");
}

struct sleep_page {
  void *addr;
  long size;
  int uffd;
};

// A fresh anonymous page registered for missing-page faults.
static inline struct sleep_page sleep_page_open(void) {
  struct sleep_page p;
  p.size = sysconf(_SC_PAGESIZE);
  p.addr = mmap(NULL, (size_t)p.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p.addr == MAP_FAILED) die("mmap");
  p.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (p.uffd < 0) die("userfaultfd");
  struct uffdio_api api = {.api = UFFD_API};
  if (ioctl(p.uffd, UFFDIO_API, &api)) die("UFFDIO_API");
  struct uffdio_register reg = {.range = {.start = (uintptr_t)p.addr, .len = (uint64_t)p.size},
                                .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (ioctl(p.uffd, UFFDIO_REGISTER, &reg)) die("UFFDIO_REGISTER");
  return p;
}

// Whether something faulted on the page within five seconds (the program is then asleep on it).
static inline int sleep_page_wait(const struct sleep_page *p) {
  struct pollfd pfd = {.fd = p->uffd, .events = POLLIN};
  if (poll(&pfd, 1, 5000) != 1) return 0;
  struct uffd_msg msg;
  if (read(p->uffd, &msg, sizeof(msg)) != sizeof(msg)) die("read uffd");
  return 1;
}

// Fills the page with zeros: the sleeper goes on.
static inline void sleep_page_release(const struct sleep_page *p) {
  struct uffdio_zeropage zero = {.range = {.start = (uintptr_t)p->addr, .len = (uint64_t)p->size}};
  if (ioctl(p->uffd, UFFDIO_ZEROPAGE, &zero)) die("UFFDIO_ZEROPAGE");
}
