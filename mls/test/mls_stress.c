#define _GNU_SOURCE
#include "mls_stress.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mls.h"
#include "mls_kernel_util.h"
#include "mls_test.h"
#include "mls_sys.h"
#include "mls_test.skel.h"

#define SLOTS 64 /* children readers may look at, at a time */

/* A child a reader may read: its pid and pidfd, replaced by its forker under the lock. */
struct child_slot {
  pthread_mutex_t lock;
  pid_t pid;
  int pidfd;
  struct mls_handle h; /* the reader's handle for it (gen 0: none yet) */
};

struct run {
  struct mls *m;
  struct mls_test *skel;
  long samples, live_max, live_sum, live_pages_max, resident_min, resident_max, region_pages;
  struct child_slot slots[SLOTS];
  atomic_int stop;
  atomic_long forks, handles, no_handle, reads, stale, aliased, maintains, reclaimed;
  pthread_mutex_t alias_lock;
  char first_alias[160];
  int forkers;
};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Forks children that live a millisecond or two (their entries are made at fork and deleted at
 * exit by the hooks) into the slots readers look at; a slot's previous child is reaped first. */
static void *forker(void *arg) {
  struct run *r = arg;
  unsigned next = (unsigned)atomic_fetch_add(&r->forks, 0) * 7;
  while (!atomic_load(&r->stop)) {
    struct child_slot *s = &r->slots[next++ % SLOTS];
    pthread_mutex_lock(&s->lock);
    if (s->pid > 0) {
      waitpid(s->pid, NULL, 0);
      atomic_fetch_add(&r->forks, 1);
    }
    if (s->pidfd >= 0)
      close(s->pidfd);
    s->pid = -1;
    s->pidfd = -1;
    s->h.gen = 0;
    pid_t pid = fork();
    if (pid == 0) {
      usleep(500 + (unsigned)getpid() % 1500);
      _exit(0);
    }
    if (pid > 0) {
      s->pid = pid;
      s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    pthread_mutex_unlock(&s->lock);
  }
  return NULL;
}

/* One read of a slot's child through its handle (opened by pidfd first if needed). */
static void read_slot(struct run *r, struct child_slot *s) {
  struct mls_test_value v;
  if (s->pid <= 0 || s->pidfd < 0)
    return;
  if (s->h.gen == 0) {
    if (mls_handle(r->m, s->pidfd, &s->h) != 0) {
      atomic_fetch_add(&r->no_handle, 1);
      return;
    }
    atomic_fetch_add(&r->handles, 1);
  }
  int rc = mls_read(r->m, s->h, &v);
  atomic_fetch_add(&r->reads, 1);
  if (rc == -ESTALE) {
    atomic_fetch_add(&r->stale, 1);
    s->h.gen = 0;
    return;
  }
  /* A zeroed entry (owner 0) was published and not yet written by the fork hook. */
  if (rc == 0 && v.owner != 0 && (v.owner != s->pid || (v.data != 0 && v.data / 1000 != s->pid))) {
    if (atomic_fetch_add(&r->aliased, 1) == 0) {
      pthread_mutex_lock(&r->alias_lock);
      snprintf(r->first_alias, sizeof(r->first_alias), "a handle for pid %d read the entry of pid %d (data %lld)",
               s->pid, v.owner, (long long)v.data);
      pthread_mutex_unlock(&r->alias_lock);
    }
  }
}

static void *reader(void *arg) {
  struct run *r = arg;
  unsigned i = 0;
  while (!atomic_load(&r->stop)) {
    struct child_slot *s = &r->slots[i++ % SLOTS];
    pthread_mutex_lock(&s->lock);
    for (int k = 0; k < 4; k++)
      read_slot(r, s);
    pthread_mutex_unlock(&s->lock);
  }
  return NULL;
}

/* Pages of [p, p + len) resident in this mapping (mincore), -1 when it cannot say. */
static long resident_pages(void *p, size_t len) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char vec[512];
  size_t n = (len + page - 1) / page;
  long count = 0;
  if (n > sizeof(vec) || mincore(p, len, vec) != 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    count += vec[i] & 1;
  return count;
}

/* One sample: entries alive, the pages of the region that hold one, the pages resident. */
static void sample(struct run *r) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  const struct mls *m = r->m;
  const size_t entries_len = (m->elem_size * m->capacity + page - 1) / page * page;
  const size_t hdr_len = (8 * (size_t)m->capacity + page - 1) / page * page;
  unsigned char used[512] = {0};
  long live_pages = 0;
  for (__u32 s = 0; s < m->capacity; s++) {
    size_t pg = s * m->elem_size / page;
    if (mls_gen_live(mls_hdr_gen(__atomic_load_n(&m->hdr[s], __ATOMIC_ACQUIRE))) && pg < sizeof(used) && !used[pg]) {
      used[pg] = 1;
      live_pages++;
    }
  }
  long live = (long)(r->skel->bss->churn_created - r->skel->bss->churn_deleted);
  long res = resident_pages(m->entries, entries_len), hres = resident_pages(m->hdr, hdr_len);
  res = res < 0 || hres < 0 ? -1 : res + hres;
  r->region_pages = (long)((entries_len + hdr_len) / page);
  r->live_max = live > r->live_max ? live : r->live_max;
  r->live_sum += live;
  r->live_pages_max = live_pages > r->live_pages_max ? live_pages : r->live_pages_max;
  r->resident_min = r->samples == 0 || res < r->resident_min ? res : r->resident_min;
  r->resident_max = res > r->resident_max ? res : r->resident_max;
  r->samples++;
}

static void *maintainer(void *arg) {
  struct run *r = arg;
  while (!atomic_load(&r->stop)) {
    int n = mls_maintain(r->m);
    if (n > 0)
      atomic_fetch_add(&r->reclaimed, n);
    atomic_fetch_add(&r->maintains, 1);
    sample(r);
    usleep(2000);
  }
  return NULL;
}

static void run_threads(struct run *r, const struct mls_stress_opts *o) {
  pthread_t t[64];
  int n = 0;
  for (int i = 0; i < o->forkers && n < 62; i++)
    pthread_create(&t[n++], NULL, forker, r);
  for (int i = 0; i < o->readers && n < 63; i++)
    pthread_create(&t[n++], NULL, reader, r);
  pthread_create(&t[n++], NULL, maintainer, r);
  const double end = now_s() + o->seconds;
  while (now_s() < end)
    usleep(10000);
  atomic_store(&r->stop, 1);
  for (int i = 0; i < n; i++)
    pthread_join(t[i], NULL);
}

int mls_stress(const struct mls_stress_opts *o, struct mls_stress_report *rep) {
  memset(rep, 0, sizeof(*rep));
  const char *why = mls_bpf_unavailable();
  if (why) {
    snprintf(rep->error, sizeof(rep->error), "BPF is not available here: %s", why);
    return -1;
  }
  mls_quiet_libbpf();
  struct mls_test *skel = mls_test__open_and_load();
  if (!skel || mls_test__attach(skel) != 0) {
    snprintf(rep->error, sizeof(rep->error), "the test object does not load or attach: %s", strerror(errno));
    mls_test__destroy(skel);
    return -1;
  }
  static struct run r; /* one run at a time: the threads share it */
  memset(&r, 0, sizeof(r));
  pthread_mutex_init(&r.alias_lock, NULL);
  for (int i = 0; i < SLOTS; i++) {
    pthread_mutex_init(&r.slots[i].lock, NULL);
    r.slots[i].pidfd = -1;
  }
  r.m = mls_open(skel->obj);
  if (!r.m) {
    snprintf(rep->error, sizeof(rep->error), "mls_open: %s", strerror(errno));
    mls_test__destroy(skel);
    return -1;
  }
  r.skel = skel;
  skel->bss->churn_tgid = (__u32)getpid();
  run_threads(&r, o);
  skel->bss->churn_tgid = 0;
  rep->handles = r.handles;
  rep->no_handle = r.no_handle;
  rep->reads = r.reads;
  rep->stale = r.stale;
  rep->aliased_user = r.aliased;
  rep->maintains = r.maintains;
  rep->reclaimed = r.reclaimed;
  rep->samples = r.samples;
  rep->live_max = r.live_max;
  rep->live_sum = r.live_sum;
  rep->live_pages_max = r.live_pages_max;
  rep->resident_min = r.resident_min;
  rep->resident_max = r.resident_max;
  rep->region_pages = r.region_pages;
  snprintf(rep->first_alias, sizeof(rep->first_alias), "%s", r.first_alias);
  for (int i = 0; i < SLOTS; i++) {
    if (r.slots[i].pid > 0) {
      waitpid(r.slots[i].pid, NULL, 0);
      r.forks++;
    }
    if (r.slots[i].pidfd >= 0)
      close(r.slots[i].pidfd);
  }
  /* Every child is reaped (its exit hook has run): the hooks' counters are final. */
  rep->forks = r.forks;
  rep->created = (long)skel->bss->churn_created;
  rep->deleted = (long)skel->bss->churn_deleted;
  rep->create_failed = (long)skel->bss->churn_failed;
  rep->aliased_bpf = (long)skel->bss->churn_aliased;
  mls_close(r.m);
  mls_test__destroy(skel);
  return 0;
}
