/* Shared between lsmc.bpf.c and the user side (real_kernel.cpp). A command travels in the
 * raw_tp test-run context (args[0] op, args[1] map, args[2] flags) and the result comes back
 * as the program's return value, so threads can run commands concurrently. */
#ifndef LSMC_SHARED_H
#define LSMC_SHARED_H

enum lsmc_cmd_op { LSMC_CMD_GET = 1, LSMC_CMD_DELETE = 2, LSMC_CMD_GET_BENCH = 3 };
enum lsmc_cmd_map { LSMC_MAP_TASK = 0, LSMC_MAP_TASK_LOCK = 1, LSMC_MAP_CGRP = 2 };

/* LSMC_CMD_GET returns the value (0 .. 2^31-1) or LSMC_NULL when the helper returned NULL;
 * LSMC_CMD_DELETE returns the helper's return; LSMC_CMD_GET_BENCH returns the nanoseconds that
 * LSMC_BENCH_ITERATIONS cache-hit gets took. */
#define LSMC_NULL (-1)
#define LSMC_BENCH_ITERATIONS 256

#endif
