/* lsmc mls stress (docs/mls.md): the library under real fork/exit churn on this machine's kernel.
 * The test program's tp_btf hooks create an entry for every child forked by this process and
 * delete it at exit, while reader threads open handles by pidfd and read through them, and a
 * maintainer thread runs mls_maintain. Every entry read must be its owner's. */
#ifndef MLS_STRESS_H
#define MLS_STRESS_H

#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mls_stress_opts {
  int seconds;
  int forkers;
  int readers;
};

struct mls_stress_report {
  long forks;            /* children forked and reaped */
  long created, deleted; /* entries the fork and exit hooks made and deleted */
  long create_failed;    /* forks whose entry found no free slot */
  long handles;          /* handles opened by pidfd (one syscall each) */
  long no_handle;        /* pidfds whose task had no entry (already exited) */
  long reads;            /* reads through a handle (no syscall) */
  long stale;            /* reads that returned -ESTALE: the task exited meanwhile */
  long aliased_user;     /* reads that returned another owner's entry: must be 0 */
  long aliased_bpf;      /* exit hooks that found another owner's entry: must be 0 */
  long maintains, reclaimed;
  /* Resident memory, sampled by the maintaining thread after each mls_maintain: entries alive
   * (created - deleted), the region's pages holding at least one live entry, and the region's
   * pages resident in this process's mapping (mincore: entries and header). */
  long samples, live_max, live_sum, live_pages_max, resident_min, resident_max;
  long region_pages; /* the region's pages (entries and header) */
  char first_alias[160]; /* what the first aliased read saw */
  char error[200];       /* why the run could not be made (then the function returns -1) */
};

/* Runs the stress; 0 when it ran (the report says what it saw), -1 with report->error. */
int mls_stress(const struct mls_stress_opts *opts, struct mls_stress_report *report);

#ifdef __cplusplus
}
#endif

#endif
