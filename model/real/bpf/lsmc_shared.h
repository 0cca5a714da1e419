/* Shared between lsmc.bpf.c and the user side (real_kernel.cpp): the command block user space
 * writes before each BPF_PROG_TEST_RUN and the result it reads after. */
#ifndef LSMC_SHARED_H
#define LSMC_SHARED_H

struct lsmc_cmd {
  __u32 op;
  __u32 map;
  __u64 flags;
  __u32 tgid; /* 0: any caller */
  __u32 iterations;
};

struct lsmc_result {
  __s64 ret;   /* delete: the helper's return; get: 1 if it returned a pointer, 0 for NULL */
  __s64 value; /* get: the value read through the pointer */
  __u64 ns;    /* benchmark: time for all iterations */
  __u32 ran;
};

#endif
