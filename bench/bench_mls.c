/* The mls library's costs on the running kernel (docs/mls.md, "Benchmarks"), in interleaved
 * rounds (A B C ... A B C ...), medians and ratios:
 *   user: mls_read through a handle | bpf_map_lookup_elem on task storage by pidfd, and on a
 *         pid-indexed array by pid (today's ways)
 *         | raw loads of the same bytes from the mapping, and one 8-byte load | mls_handle
 *   BPF:  mls_get | bpf_task_storage_get of a plain task storage map (cache hit), timed in the program
 *   memory: what the kernel charges (fdinfo memlock) for the library's maps at its capacity, for
 *         a preallocated pid-keyed hash and a pid-indexed array of the same value, at pid_max
 * Needs root and BPF; prints one "skipped:" line and exits 2 otherwise. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mls.h"
#include "mls_kernel_util.h"
#include "mls_sys.h"
#include "mls_test.h"
#include "mls_test.skel.h"

#define ROUNDS 21
#define N 200000

enum { READ, SYSCALL, PID_ARRAY, RAW, RAW8, HANDLE, BPF_MLS, BPF_STORAGE, BPF_PID_ARRAY, KINDS };
static const char *kNames[KINDS] = {"user: mls_read through a handle (32-byte entry)",
                                    "user: bpf_map_lookup_elem by pidfd (task storage)",
                                    "user: bpf_map_lookup_elem by pid (pid-indexed array)",
                                    "user: raw loads of the same 32 bytes from the mapping",
                                    "user: one raw 8-byte load from the mapping",
                                    "user: mls_handle (pidfd -> handle, one syscall)",
                                    "BPF: mls_get (task storage link, then the region)",
                                    "BPF: bpf_task_storage_get (cache hit)",
                                    "BPF: pid-indexed array lookup (bpf_map_lookup_elem)"};

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v) {
  qsort(v, ROUNDS, sizeof(*v), cmp);
  return v[ROUNDS / 2];
}

/* One round of one kind: nanoseconds per operation. */
/* The maps today's users keep instead, each read by one syscall. */
struct today {
  int link_fd;  /* the library's task storage (the owner-to-slot link), keyed by pidfd */
  int array_fd; /* a pid-indexed array of entries, keyed by pid */
  int pidfd, pid;
};

static double measure(int kind, struct mls *m, struct mls_handle h, const struct today *today, int prog,
                      volatile const __u64 *raw) {
  struct mls_test_value v;
  __u64 word, sum = 0;
  int n = kind == SYSCALL || kind == PID_ARRAY || kind == HANDLE ? N / 20 : N;
  if (kind >= BPF_MLS) {
    const __u64 op = kind == BPF_MLS ? MLS_TEST_BENCH_GET : kind == BPF_STORAGE ? MLS_TEST_BENCH_STORAGE : MLS_TEST_BENCH_PID_ARRAY;
    long ns = mls_test_cmd(prog, op, 0);
    return ns > 0 ? (double)ns / MLS_TEST_BENCH_ITERS : -1;
  }
  double t0 = now_ns();
  for (int i = 0; i < n; i++) {
    if (kind == READ)
      sum += mls_read(m, h, &v) == 0 ? (__u64)v.data : 0;
    else if (kind == SYSCALL)
      sum += bpf_map_lookup_elem(today->link_fd, &today->pidfd, &word) == 0 ? word : 0;
    else if (kind == PID_ARRAY)
      sum += bpf_map_lookup_elem(today->array_fd, &today->pid, &v) == 0 ? (__u64)v.data : 0;
    else if (kind == RAW)
      sum += raw[0] + raw[1] + raw[2] + raw[3];
    else if (kind == RAW8)
      sum += raw[0];
    else
      sum += mls_handle(m, today->pidfd, &h) == 0;
  }
  double t = (now_ns() - t0) / n;
  return sum == 42 ? t + 0.0 : t;
}

/* fdinfo's memlock of a map fd: what the kernel charges for it. */
static long long memlock(int fd) {
  char path[64], line[256];
  long long v = -1;
  snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof(line), f)) {
    if (sscanf(line, "memlock: %lld", &v) == 1)
      break;
  }
  if (f)
    fclose(f);
  return v;
}

static void memory(struct mls_test *skel) {
  const char *mls_maps[] = {"mls_entries", "mls_hdr", "mls_state_map"};
  long long total = 0;
  for (int i = 0; i < 3; i++)
    total += memlock(bpf_map__fd(bpf_object__find_map_by_name(skel->obj, mls_maps[i])));
  int pid_max = 32768;
  FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
  if (f && fscanf(f, "%d", &pid_max) != 1)
    pid_max = 32768;
  if (f)
    fclose(f);
  /* Measured at 32768 pids and scaled (both charges are linear in max_entries). */
  int hash = bpf_map_create(BPF_MAP_TYPE_HASH, "pid_hash", 4, sizeof(struct mls_test_value), 32768, NULL);
  int array = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pid_array", 4, sizeof(struct mls_test_value), 32768, NULL);
  double scale = pid_max / 32768.0;
  printf("memory the kernel charges (fdinfo memlock), %zu-byte entries:\n", sizeof(struct mls_test_value));
  printf("  mls: region of %u slots (entries, header, state)      %10lld bytes (resident whatever is live)\n",
         bpf_map__max_entries(skel->maps.mls_entries), total);
  printf("  preallocated pid-keyed hash, pid_max %-8d          %10.0f bytes\n", pid_max, memlock(hash) * scale);
  printf("  pid-indexed array, pid_max %-8d                    %10.0f bytes\n", pid_max, memlock(array) * scale);
  close(hash);
  close(array);
}

int main(void) {
  const char *why = mls_bpf_unavailable();
  if (why) {
    printf("skipped: %s\n", why);
    return 2;
  }
  mls_quiet_libbpf();
  struct mls_test *skel = mls_test__open_and_load();
  struct mls *m = skel ? mls_open(skel->obj) : NULL;
  int prog = skel ? bpf_program__fd(skel->progs.mls_test_cmd) : -1;
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  struct mls_handle h;
  if (!m || mls_test_cmd(prog, MLS_TEST_CREATE, 7) != 0 || mls_handle(m, pidfd, &h) != 0) {
    printf("skipped: the test object does not load or create an entry here\n");
    return 2;
  }
  /* The pid-indexed array sched_ext users keep today: 32768 entries, keyed by pid modulo that (an
   * array lookup costs the same at any index). */
  struct mls_test_value init = {.owner = getpid(), .data = 7};
  struct today today = {bpf_map__fd(skel->maps.mls_task_link), -1, pidfd, getpid() % 32768};
  today.array_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pid_array", 4, sizeof(init), 32768, NULL);
  if (today.array_fd < 0 || bpf_map_update_elem(today.array_fd, &today.pid, &init, BPF_ANY) != 0) {
    printf("skipped: a pid-indexed array cannot be made here\n");
    return 2;
  }
  volatile const __u64 *raw = (const __u64 *)(void *)m->entries; /* mls_sys.h: the mapped region */
  double t[KINDS][ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    for (int k = 0; k < KINDS; k++)
      t[k][r] = measure(k, m, h, &today, prog, raw);
  }
  double med[KINDS];
  printf("median of %d interleaved rounds, ns per operation\n", ROUNDS);
  for (int k = 0; k < KINDS; k++) {
    med[k] = median(t[k]);
    printf("  %-52s %9.2f\n", kNames[k], med[k]);
  }
  printf("ratios: task-storage syscall / mls_read = %.0fx; pid-array syscall / mls_read = %.0fx; mls_read / raw "
         "loads of the same bytes = %.1fx (/ one load: %.1fx); mls_get / bpf_task_storage_get = %.2fx; mls_get / pid-array lookup = %.2fx\n",
         med[SYSCALL] / med[READ], med[PID_ARRAY] / med[READ], med[READ] / med[RAW], med[READ] / med[RAW8],
         med[BPF_MLS] / med[BPF_STORAGE], med[BPF_MLS] / med[BPF_PID_ARRAY]);
  memory(skel);
  close(today.array_fd);
  close(pidfd);
  mls_close(m);
  mls_test__destroy(skel);
  return 0;
}
