// Does a failed socket clone destroy its listener's sk storage? sk_clone_lock() copies the
// listener into the new socket (sock_copy(), sk_bpf_storage included) and only
// bpf_sk_storage_clone() resets the copy's pointer. If sk_filter_charge() fails before that (the
// listener has a socket filter and optmem_max was lowered after it was attached), the copy is
// freed with sk_free_unlock_clone() -> __sk_destruct() -> bpf_sk_storage_free(newsk), which
// reads the copied pointer: the listener's storage. This program gives a listener an element and
// a filter, lowers optmem_max in a network namespace of its own, connects once, and looks the
// element up again. Needs root. Exits 2 on a set-up failure, 1 when the element is gone.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "clone: %s: %s\n", what, strerror(errno));
  exit(2);
}

// A TcpExt counter of this network namespace (/proc/net/netstat: a line of names, then one of values).
static long tcp_ext(const char *name) {
  FILE *f = fopen("/proc/net/netstat", "r");
  if (!f) die("/proc/net/netstat");
  char names[8192], values[8192];
  long found = -1;
  while (found < 0 && fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
    if (strncmp(names, "TcpExt:", 7) != 0) continue;
    char *np, *vp;
    char *n = strtok_r(names, " \n", &np);
    char *v = strtok_r(values, " \n", &vp);
    while (n && v) {
      if (strcmp(n, name) == 0) found = atol(v);
      n = strtok_r(NULL, " \n", &np);
      v = strtok_r(NULL, " \n", &vp);
    }
  }
  fclose(f);
  if (found < 0) die(name);
  return found;
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0) die(path);
  if (write(fd, text, strlen(text)) < 0) die(path);
  close(fd);
}

int main(int argc, char **argv) {
  const char *obj_path = argc > 1 ? argv[1] : "clone.bpf.o";
  // 1: lower optmem_max and connect; 0: connect only; 2: lower it and do not connect (the controls)
  const int mode = argc > 2 ? atoi(argv[2]) : 1;
  const int lower = mode != 0;
  if (unshare(CLONE_NEWNET)) die("unshare(CLONE_NEWNET)");
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr)) die("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr)) die("SIOCSIFFLAGS");
  close(s);

  struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
  if (!obj || bpf_object__load(obj)) die("bpf_object__load");
  const int map_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "sk_stor"));

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(addr);
  if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 8)) die("bind/listen");
  if (getsockname(listener, (struct sockaddr *)&addr, &len)) die("getsockname");

  uint64_t v = 0x5151;
  if (bpf_map_update_elem(map_fd, &listener, &v, BPF_ANY)) die("bpf_map_update_elem(listener)");
  // An accept-all classic filter of 64 instructions: its charge is well over 64 bytes.
  struct sock_filter insns[64];
  for (int i = 0; i < 63; ++i) insns[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
  insns[63] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
  struct sock_fprog prog = {.len = 64, .filter = insns};
  if (setsockopt(listener, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) die("SO_ATTACH_FILTER");
  v = 0;
  printf("listener has its element: %s\n", bpf_map_lookup_elem(map_fd, &listener, &v) ? strerror(errno) : "yes");

  if (lower) write_file("/proc/sys/net/core/optmem_max", "64");
  struct pollfd pfd = {.fd = -1, .events = POLLOUT};
  if (mode != 2) {
    const int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(client, (struct sockaddr *)&addr, sizeof(addr));
    pfd.fd = client;
    poll(&pfd, 1, 1000);
  }
  usleep(200 * 1000);
  if (lower) write_file("/proc/sys/net/core/optmem_max", "131072");
  pfd.fd = listener;
  pfd.events = POLLIN;
  const int accepted = poll(&pfd, 1, 200) == 1;
  printf("optmem_max lowered: %s; connected: %s; a connection was accepted: %s\n", lower ? "yes" : "no",
         mode != 2 ? "yes" : "no", accepted ? "yes" : "no");

  // tcp_v4_syn_recv_sock() counts ListenDrops on every failure, ListenOverflows only on a full
  // accept queue: a drop without an overflow is a child that was not created (the clone failed).
  printf("children not created (ListenDrops - ListenOverflows): %ld\n",
         tcp_ext("ListenDrops") - tcp_ext("ListenOverflows"));
  v = 0;
  const int err = bpf_map_lookup_elem(map_fd, &listener, &v) ? errno : 0;
  if (err) {
    printf("RESULT: the listener's element is gone (%s)\n", strerror(err));
    return 1;
  }
  printf("RESULT: the listener still has its element (0x%llx)\n", (unsigned long long)v);
  return 0;
}
