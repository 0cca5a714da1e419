/* Shared by mls_test.bpf.c and the programs that drive it (the kernel test, lsmc mls stress and
 * diff, the host scenarios): the entry type and the commands of mls_test_cmd. A command travels
 * in the raw_tp test-run context (args[0] op, args[1] argument) and runs as the calling thread. */
#ifndef MLS_TEST_H
#define MLS_TEST_H

struct mls_test_value {
  __s32 owner; /* the owner's pid (or cgroup id), written by BPF at creation: the oracle */
  __u32 seq;   /* BPF writes so far */
  __s64 data;  /* written by BPF */
  __s64 hint;  /* written by user space (mls_write), read by BPF */
  __u64 spare;
};

enum mls_test_op {
  MLS_TEST_CREATE = 1,      /* the caller's entry with F_CREATE; data = arg. Returns 0 or -1 */
  MLS_TEST_GET = 2,         /* the caller's data (>= 0), -1 without an entry, -2 if owned by another */
  MLS_TEST_DELETE = 3,      /* mls_delete of the caller: 0 or -errno */
  MLS_TEST_HINT = 4,        /* the caller's hint, -1 without an entry */
  MLS_TEST_WRITE = 5,       /* data = arg on the caller's existing entry: 0, or -1 without one */
  MLS_TEST_CGRP_CREATE = 6, /* the same for the caller's cgroup (its cgroup-v2 one) */
  MLS_TEST_CGRP_GET = 7,
  MLS_TEST_CGRP_DELETE = 8,
  MLS_TEST_BENCH_GET = 9,      /* ns for MLS_TEST_BENCH_ITERS mls_get(current, 0) (bench/bench_mls.c) */
  MLS_TEST_BENCH_STORAGE = 10, /* ns for as many bpf_task_storage_get of a plain task storage map */
  MLS_TEST_BENCH_PID_ARRAY = 11, /* ns for as many lookups of a pid-indexed array (pid % its size) */
};

#define MLS_TEST_BENCH_ITERS 256
#ifndef MLS_TEST_BENCH_PIDS /* the host build makes it 1: lsmc allocates every map per execution */
#define MLS_TEST_BENCH_PIDS 32768
#endif

#define MLS_TEST_NONE (-1)
#define MLS_TEST_ALIASED (-2)

#endif
