#include "model/real/real_kernel.hpp"
#include "model/real/real_common.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <linux/types.h>

#include "model/real/bpf/lsmc_shared.h"
#include "lsmc.skel.h"

namespace lsmc::real {

namespace {

using model::KeyKind;
using model::MapKind;
using model::StorageOp;
using model::OpKind;
using model::Outcome;

constexpr int kOwners = 3;
constexpr int kCgroups = 2;
constexpr int kSlots = 2;

// Directories an earlier run left behind (it was killed): remove those whose process is gone.
void remove_stale_cgroups(const std::string& root) {
  DIR* d = opendir(root.c_str());
  if (d == nullptr) return;
  while (dirent* e = readdir(d)) {
    int pid = 0, n = 0;
    if (std::sscanf(e->d_name, "lsmc-%d-%d", &pid, &n) == 2 && kill(pid, 0) != 0 && errno == ESRCH) {
      rmdir((root + "/" + e->d_name).c_str());
    }
  }
  closedir(d);
}

struct Child {
  pid_t pid = -1;
  int pidfd = -1;
  int pipe_w = -1;  // the child exits when this closes
  bool exited = false, reaped = false;
};

Child spawn_child() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    // Keep only our read end: a write end of another owner's pipe inherited here would keep
    // that owner from ever seeing EOF.
    dup2(p[0], 0);
    syscall(SYS_close_range, 3u, ~0u, 0u);
    p[0] = 0;
    char c;
    while (read(p[0], &c, 1) > 0) {
    }
    _exit(0);
  }
  close(p[0]);
  Child ch;
  ch.pid = pid;
  ch.pipe_w = p[1];
  ch.pidfd = sys_pidfd_open(pid);
  if (ch.pidfd < 0) throw std::runtime_error(std::string("pidfd_open: ") + strerror(errno));
  return ch;
}

void child_exit(Child& ch) {
  if (ch.pipe_w >= 0) close(ch.pipe_w);
  ch.pipe_w = -1;
  // Wait until it is a zombie (without reaping it): its pidfd becomes readable when it exits.
  siginfo_t info{};
  waitid(P_PID, static_cast<id_t>(ch.pid), &info, WEXITED | WNOWAIT);
  ch.exited = true;
}

void child_reap(Child& ch) {
  if (!ch.exited) child_exit(ch);
  waitpid(ch.pid, nullptr, 0);
  ch.reaped = true;
}

void child_destroy(Child& ch) {
  if (ch.pid > 0 && !ch.reaped) {
    if (ch.pipe_w >= 0) close(ch.pipe_w);
    kill(ch.pid, SIGKILL);
    waitpid(ch.pid, nullptr, 0);
  }
  if (ch.pidfd >= 0) close(ch.pidfd);
  ch = Child{};
}

}  // namespace

struct RealBackend::State {
  std::array<lsmc_bpf*, kSlots> slots{};
  std::array<Child, kOwners> owners{};
  std::array<int, kOwners> stale_pidfd{-1, -1, -1};  // the previous occupant's pidfd
  std::array<int, kCgroups> cgroup_fd{-1, -1};
  std::array<std::string, kCgroups> cgroup_path;
  std::string root;
  int self_pidfd = -1;
  int devnull = -1;
  int serial = 0;

  State() {
    quiet_libbpf();
    root = cgroup2_root();
    if (!root.empty()) remove_stale_cgroups(root);
    self_pidfd = sys_pidfd_open(getpid());
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~State() {
    reset();
    if (self_pidfd >= 0) close(self_pidfd);
    if (devnull >= 0) close(devnull);
  }

  // Back to a clean state: no maps, no owners, no cgroups (also when an operation threw).
  void reset() {
    for (auto& s : slots) {
      if (s != nullptr) lsmc_bpf__destroy(s);
      s = nullptr;
    }
    for (auto& ch : owners) child_destroy(ch);
    for (int& fd : stale_pidfd) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
    for (int i = 0; i < kCgroups; ++i) rmdir_cgroup(i);
  }

  void rmdir_cgroup(int i) {
    if (cgroup_fd[i] >= 0) close(cgroup_fd[i]);
    cgroup_fd[i] = -1;
    if (!cgroup_path[i].empty()) rmdir(cgroup_path[i].c_str());
    cgroup_path[i].clear();
  }

  int map_fd(const StorageOp& op) const {
    lsmc_bpf* s = slots[op.slot];
    if (s == nullptr) return -1;
    switch (op.map) {
      case MapKind::kTask: return bpf_map__fd(s->maps.task_map);
      case MapKind::kTaskLock: return bpf_map__fd(s->maps.task_lock_map);
      case MapKind::kCgroup: return bpf_map__fd(s->maps.cgrp_map);
    }
    return -1;
  }

  int key_fd(const StorageOp& op) const {
    switch (op.key) {
      case KeyKind::kOwnerPidfd: return owners[op.owner].pidfd;
      case KeyKind::kSelfPidfd: return self_pidfd;
      case KeyKind::kCgroupFd: return cgroup_fd[op.owner % kCgroups];
      case KeyKind::kClosedFd: return 1 << 20;  // above any fd limit we use
      case KeyKind::kOtherFd: return devnull;
      case KeyKind::kStalePidfd: return stale_pidfd[op.owner] >= 0 ? stale_pidfd[op.owner] : 1 << 20;
    }
    return -1;
  }

  // The value buffer: the data is the last 8 bytes (after the bpf_spin_lock, if there is one).
  static std::vector<char> value_buffer(int map_fd_) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    bpf_obj_get_info_by_fd(map_fd_, &info, &len);
    return std::vector<char>(info.value_size, 0);
  }

  Outcome apply(const StorageOp& op);
  Outcome run_prog(const StorageOp& op, uint32_t cmd);
};

Outcome RealBackend::State::run_prog(const StorageOp& op, uint32_t cmd) {
  const int ret = test_run(bpf_program__fd(slots[op.slot]->progs.lsmc_run), cmd,
                           static_cast<uint64_t>(op.map), op.flags);
  Outcome o;
  if (cmd == LSMC_CMD_GET) {
    o.found = ret != LSMC_NULL;
    o.value = o.found ? ret : 0;
  } else {
    o.err = ret;
  }
  return o;
}

Outcome RealBackend::State::apply(const StorageOp& op) {
  Outcome o;
  switch (op.kind) {
    case OpKind::kMapCreate: {
      if (slots[op.slot] != nullptr) lsmc_bpf__destroy(slots[op.slot]);
      slots[op.slot] = lsmc_bpf__open_and_load();
      if (slots[op.slot] == nullptr) throw std::runtime_error(std::string("loading the BPF object failed: ") + strerror(errno));
      return o;
    }
    case OpKind::kMapClose:
      if (slots[op.slot] != nullptr) lsmc_bpf__destroy(slots[op.slot]);
      slots[op.slot] = nullptr;
      return o;
    case OpKind::kOwnerSpawn:
      if (owners[op.owner].pidfd >= 0) {  // keep the previous occupant's pidfd as the stale one
        if (stale_pidfd[op.owner] >= 0) close(stale_pidfd[op.owner]);
        stale_pidfd[op.owner] = fcntl(owners[op.owner].pidfd, F_DUPFD_CLOEXEC, 3);
      }
      child_destroy(owners[op.owner]);
      owners[op.owner] = spawn_child();
      return o;
    case OpKind::kOwnerExit:
      if (owners[op.owner].pid > 0 && !owners[op.owner].exited) child_exit(owners[op.owner]);
      return o;
    case OpKind::kOwnerReap:
      if (owners[op.owner].pid > 0 && !owners[op.owner].reaped) child_reap(owners[op.owner]);
      return o;
    case OpKind::kCgroupMkdir: {
      const int i = op.owner % kCgroups;
      rmdir_cgroup(i);
      cgroup_path[i] = root + "/lsmc-" + std::to_string(getpid()) + "-" + std::to_string(serial++);
      if (mkdir(cgroup_path[i].c_str(), 0755) != 0) throw std::runtime_error("mkdir " + cgroup_path[i] + ": " + strerror(errno));
      cgroup_fd[i] = open(cgroup_path[i].c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      return o;
    }
    case OpKind::kCgroupRmdir: {
      const int i = op.owner % kCgroups;
      // The directory goes; an fd opened on it stays open, as a program would keep it.
      if (!cgroup_path[i].empty()) rmdir(cgroup_path[i].c_str());
      cgroup_path[i].clear();
      return o;
    }
    case OpKind::kSysLookup: {
      const int fd = map_fd(op);
      const int key = key_fd(op);
      std::vector<char> v = value_buffer(fd);
      errno = 0;
      const int rc = bpf_map_lookup_elem_flags(fd, &key, v.data(), op.flags);
      o.err = errno_of(rc);
      if (o.err == 0) std::memcpy(&o.value, v.data() + v.size() - sizeof(int64_t), sizeof(int64_t));
      return o;
    }
    case OpKind::kSysUpdate: {
      const int fd = map_fd(op);
      const int key = key_fd(op);
      std::vector<char> v = value_buffer(fd);
      std::memcpy(v.data() + v.size() - sizeof(int64_t), &op.value, sizeof(int64_t));
      errno = 0;
      o.err = errno_of(bpf_map_update_elem(fd, &key, v.data(), op.flags));
      return o;
    }
    case OpKind::kSysDelete: {
      const int key = key_fd(op);
      errno = 0;
      o.err = errno_of(bpf_map_delete_elem(map_fd(op), &key));
      return o;
    }
    case OpKind::kBpfGet: return run_prog(op, LSMC_CMD_GET);
    case OpKind::kBpfDelete: return run_prog(op, LSMC_CMD_DELETE);
  }
  return o;
}

RealBackend::RealBackend() : state_(std::make_unique<State>()) {
  if (state_->root.empty()) throw std::runtime_error("no cgroup2 mount found in /proc/self/mounts");
}

RealBackend::~RealBackend() = default;

std::vector<Outcome> RealBackend::run(const std::vector<StorageOp>& ops) {
  std::vector<Outcome> out;
  out.reserve(ops.size());
  try {
    for (const StorageOp& op : ops) out.push_back(state_->apply(op));
  } catch (...) {
    state_->reset();
    throw;
  }
  state_->reset();
  return out;
}

}  // namespace lsmc::real
