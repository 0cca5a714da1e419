#define _GNU_SOURCE
#include "mls_diff_kernel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mls.h"
#include "mls_kernel_util.h"
#include "mls_test.h"
#include "mls_test.skel.h"

struct owner {
  pid_t pid;          /* -1: none */
  int pidfd;
  int cmd_w, res_r;   /* the child's command and result pipes */
  int alive;          /* not exited */
  int has_handle;
  struct mls_handle h;
};

struct mls_diff_kernel {
  struct mls_test *skel;
  struct mls *m;
  int prog;
  struct owner o[MLS_DIFF_OWNERS];
};

/* The owner: runs each command it is sent as itself, answers, and exits on command 0. */
static void owner_loop(int prog, int cmd_r, int res_w) {
  long long msg[2];
  while (read(cmd_r, msg, sizeof(msg)) == sizeof(msg) && msg[0] != 0) {
    long rc = mls_test_cmd(prog, (__u64)msg[0], (__u64)msg[1]);
    if (write(res_w, &rc, sizeof(rc)) != sizeof(rc))
      break;
  }
  _exit(0);
}

/* Starts an owner process. It keeps only its own pipe ends: another owner's command pipe held open
 * in it would keep that owner waiting for commands after the daemon is gone (a SIGINT), holding
 * the BPF object's file descriptors it inherited. -1 with errno set when it could not start. */
static int spawn(struct mls_diff_kernel *k, struct owner *o) {
  int cmd[2], res[2];
  if (pipe(cmd))
    return -1;
  if (pipe(res)) {
    int saved = errno;
    close(cmd[0]);
    close(cmd[1]);
    errno = saved;
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(cmd[1]);
    close(res[0]);
    for (int i = 0; i < MLS_DIFF_OWNERS; i++) {
      if (k->o[i].cmd_w >= 0)
        close(k->o[i].cmd_w);
      if (k->o[i].res_r >= 0)
        close(k->o[i].res_r);
      if (k->o[i].pidfd >= 0)
        close(k->o[i].pidfd);
    }
    owner_loop(k->prog, cmd[0], res[1]);
  }
  int saved = errno;
  close(cmd[0]);
  close(res[1]);
  if (pid < 0) {
    close(cmd[1]);
    close(res[0]);
    errno = saved;
    return -1;
  }
  o->pid = pid;
  o->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  o->cmd_w = cmd[1];
  o->res_r = res[0];
  o->alive = 1;
  return pid > 0 && o->pidfd >= 0 ? 0 : -1;
}

static void retire(struct owner *o) {
  if (o->pid > 0) {
    if (o->alive) {
      long long stop[2] = {0, 0};
      if (write(o->cmd_w, stop, sizeof(stop)) != sizeof(stop))
        kill(o->pid, SIGKILL);
    }
    waitpid(o->pid, NULL, 0);
  }
  if (o->pidfd >= 0)
    close(o->pidfd);
  if (o->cmd_w >= 0)
    close(o->cmd_w);
  if (o->res_r >= 0)
    close(o->res_r);
  /* The daemon's stored handle outlives the task: a new task of this owner makes it stale. */
  o->pid = o->pidfd = o->cmd_w = o->res_r = -1;
  o->alive = 0;
}

static int cmd(struct owner *o, long long op, long long arg, long *rc) {
  long long msg[2] = {op, arg};
  if (write(o->cmd_w, msg, sizeof(msg)) != sizeof(msg) || read(o->res_r, rc, sizeof(*rc)) != sizeof(*rc))
    return -1;
  return 0;
}

struct mls_diff_kernel *mls_diff_kernel_open(char *error, size_t len) {
  const char *why = mls_bpf_unavailable();
  if (why) {
    snprintf(error, len, "BPF is not available here: %s", why);
    return NULL;
  }
  mls_quiet_libbpf();
  struct mls_diff_kernel *k = calloc(1, sizeof(*k));
  k->skel = mls_test__open_and_load();
  if (!k->skel || mls_test__attach(k->skel) != 0 || !(k->m = mls_open(k->skel->obj))) {
    snprintf(error, len, "the test object does not load: %s", strerror(errno));
    mls_diff_kernel_close(k);
    return NULL;
  }
  k->prog = bpf_program__fd(k->skel->progs.mls_test_cmd);
  for (int i = 0; i < MLS_DIFF_OWNERS; i++) {
    k->o[i].pid = -1;
    k->o[i].pidfd = k->o[i].cmd_w = k->o[i].res_r = -1;
  }
  return k;
}

void mls_diff_kernel_reset(struct mls_diff_kernel *k) {
  for (int i = 0; i < MLS_DIFF_OWNERS; i++) {
    retire(&k->o[i]);
    k->o[i].has_handle = 0;
  }
}

static int bpf_op(struct owner *o, int op, long long value, struct mls_diff_outcome *out) {
  long rc = 0;
  if (!o->alive) {
    out->err = MLS_DIFF_NO_TASK;
    return 0;
  }
  if (op == MLS_DIFF_CREATE) {
    if (cmd(o, MLS_TEST_CREATE, value, &rc))
      return -1;
    out->err = rc == 0 ? 0 : -1;
  } else if (op == MLS_DIFF_DELETE) {
    if (cmd(o, MLS_TEST_DELETE, 0, &rc))
      return -1;
    out->err = (int)rc;
  } else {
    if (cmd(o, MLS_TEST_GET, 0, &rc))
      return -1;
    out->err = rc < 0 ? (int)rc : 0;
    out->value = rc < 0 ? 0 : rc;
  }
  return 0;
}

static void user_op(struct mls_diff_kernel *k, struct owner *o, int op, long long value, struct mls_diff_outcome *out) {
  if (op == MLS_DIFF_HANDLE) {
    o->has_handle = 0;
    out->err = o->pidfd < 0 ? MLS_DIFF_NO_TASK : mls_handle(k->m, o->pidfd, &o->h);
    o->has_handle = out->err == 0;
    return;
  }
  if (!o->has_handle) {
    out->err = MLS_DIFF_NO_HANDLE;
    return;
  }
  if (op == MLS_DIFF_READ) {
    struct mls_test_value v;
    out->err = mls_read(k->m, o->h, &v);
    out->value = out->err == 0 ? v.data : 0;
    return;
  }
  __s64 data = value;
  out->err = mls_write(k->m, o->h, offsetof(struct mls_test_value, data), &data, sizeof(data));
}

int mls_diff_kernel_apply(struct mls_diff_kernel *k, int op, int owner, long long value, struct mls_diff_outcome *out) {
  struct owner *o = &k->o[owner % MLS_DIFF_OWNERS];
  memset(out, 0, sizeof(*out));
  switch (op) {
  case MLS_DIFF_CREATE:
    if (!o->alive) {
      retire(o);
      if (spawn(k, o))
        return -1;
    }
    return bpf_op(o, op, value, out);
  case MLS_DIFF_DELETE:
  case MLS_DIFF_BPF_GET:
    return bpf_op(o, op, value, out);
  case MLS_DIFF_EXIT:
    if (!o->alive) {
      out->err = MLS_DIFF_NO_TASK;
      return 0;
    }
    {
      long long stop[2] = {0, 0};
      siginfo_t info;
      if (write(o->cmd_w, stop, sizeof(stop)) != sizeof(stop))
        return -1;
      o->alive = 0;
      waitid(P_PID, (id_t)o->pid, &info, WEXITED | WNOWAIT); /* a zombie: its exit hook ran */
    }
    return 0;
  case MLS_DIFF_MAINTAIN:
    out->err = mls_maintain(k->m) < 0 ? -1 : 0;
    return 0;
  default:
    user_op(k, o, op, value, out);
    return 0;
  }
}

void mls_diff_kernel_close(struct mls_diff_kernel *k) {
  if (!k)
    return;
  mls_diff_kernel_reset(k);
  if (k->m)
    mls_close(k->m);
  mls_test__destroy(k->skel);
  free(k);
}
