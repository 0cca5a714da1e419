// What the real-kernel backend's parts share (real_common.hpp): libbpf kept quiet, the cgroup-v2
// mount, pidfds, and one run of the BPF program.
#include "model/real/real_common.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace lsmc::real {

namespace {

// libbpf's messages (the verifier log among them) only with LSMC_LIBBPF_DEBUG=1.
int silent_print(enum libbpf_print_level, const char* format, va_list args) {
  const char* debug = getenv("LSMC_LIBBPF_DEBUG");
  if (debug == nullptr || debug[0] != '1') return 0;
  return vfprintf(stderr, format, args);
}

}  // namespace

void quiet_libbpf() { libbpf_set_print(silent_print); }

// The cgroup-v2 mount: /sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified in hybrid mode.
std::string cgroup2_root() {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, dir, type, rest;
  while (mounts >> dev >> dir >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2") return dir;
  }
  return {};
}

int sys_pidfd_open(int pid) { return static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)); }

int errno_of(int rc) { return rc < 0 ? (errno != 0 ? errno : -rc) : 0; }

// bpf_map_create(2) with flags and map_extra.
int create_map(uint32_t type, const char* name, uint32_t key, uint32_t value, uint32_t max, uint32_t flags,
               uint64_t extra) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags, .map_extra = extra);
  return bpf_map_create(static_cast<bpf_map_type>(type), name, key, value, max, &opts);
}

// Runs the program once as the calling thread; returns its return value.
int test_run(int prog_fd, uint64_t op, uint64_t map, uint64_t flags) {
  uint64_t args[3] = {op, map, flags};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    throw std::runtime_error(std::string("BPF_PROG_TEST_RUN of lsmc_run failed: ") + strerror(errno));
  }
  return static_cast<int>(opts.retval);
}

}  // namespace lsmc::real
