#include "model/real/real_kernel.hpp"

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
constexpr uint32_t kMapTypeArena = 33;  // BPF_MAP_TYPE_ARENA: newer than the installed uapi headers

int sys_pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// libbpf's messages (the verifier log among them) only with LSMC_LIBBPF_DEBUG=1.
int silent_print(enum libbpf_print_level, const char* format, va_list args) {
  const char* debug = getenv("LSMC_LIBBPF_DEBUG");
  if (debug == nullptr || debug[0] != '1') return 0;
  return vfprintf(stderr, format, args);
}

// The cgroup-v2 mount: /sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified in hybrid mode.
std::string cgroup2_root() {
  std::ifstream mounts("/proc/self/mounts");
  std::string dev, dir, type, rest;
  while (mounts >> dev >> dir >> type && std::getline(mounts, rest)) {
    if (type == "cgroup2") return dir;
  }
  return {};
}

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

int errno_of(int rc) { return rc < 0 ? (errno != 0 ? errno : -rc) : 0; }

// Runs the program once as the calling thread; returns its return value.
int test_run(int prog_fd, uint64_t op, uint64_t map, uint64_t flags) {
  uint64_t args[3] = {op, map, flags};
  LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
    throw std::runtime_error(std::string("BPF_PROG_TEST_RUN of lsmc_run failed: ") + strerror(errno));
  }
  return static_cast<int>(opts.retval);
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
    libbpf_set_print(silent_print);
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

std::string unavailable_reason() {
  if (geteuid() != 0) return "not root: bpf() on task and cgroup storage needs CAP_BPF and CAP_PERFMON";
  libbpf_set_print(silent_print);
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  if (s == nullptr) {
    return std::string("loading the BPF object failed (") + strerror(errno) + "): bpf() is not permitted or the kernel lacks task/cgroup storage";
  }
  lsmc_bpf__destroy(s);
  if (cgroup2_root().empty()) return "no cgroup2 mount";
  return {};
}

namespace {
int create_map(uint32_t type, const char* name, uint32_t key, uint32_t value, uint32_t max, uint32_t flags,
               uint64_t extra = 0) {
  LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags, .map_extra = extra);
  return bpf_map_create(static_cast<bpf_map_type>(type), name, key, value, max, &opts);
}
}  // namespace

std::vector<ProbeLine> probe_kernel() {
  std::vector<ProbeLine> out;
  libbpf_set_print(silent_print);
  {
    std::ifstream v("/proc/sys/kernel/osrelease");
    std::string rel;
    std::getline(v, rel);
    out.push_back({"kernel", true, rel});
  }
  out.push_back({"root", geteuid() == 0, geteuid() == 0 ? "euid 0" : "not root"});
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  const int load_errno = errno;
  out.push_back({"bpf-object", s != nullptr,
                 s ? std::string("lsmc.bpf.o loads (task, task+spin_lock, cgroup storage maps; raw_tp program)")
                   : std::string("does not load: ") + strerror(load_errno)});
  if (s != nullptr) {
    out.push_back({"task-storage", bpf_map__fd(s->maps.task_map) >= 0, "BPF_MAP_TYPE_TASK_STORAGE created with BTF"});
    out.push_back({"cgroup-storage", bpf_map__fd(s->maps.cgrp_map) >= 0, "BPF_MAP_TYPE_CGRP_STORAGE created with BTF"});
    std::string detail;
    bool ok = false;
    try {
      const int ret = test_run(bpf_program__fd(s->progs.lsmc_run), LSMC_CMD_GET, LSMC_MAP_TASK, 1);
      ok = true;
      detail = std::string("raw_tp runs as the calling thread; bpf_task_storage_get(F_CREATE) ") +
               (ret != LSMC_NULL ? "returned a pointer" : "returned NULL");
    } catch (const std::exception& e) {
      detail = e.what();
    }
    out.push_back({"prog-test-run", ok, detail});
    lsmc_bpf__destroy(s);
  }
  // A bare map create without BTF must be refused (local storage needs BTF for key and value).
  {
    const int fd = create_map(BPF_MAP_TYPE_TASK_STORAGE, "lsmc_nobtf", 4, 8, 0, BPF_F_NO_PREALLOC);
    out.push_back({"storage-without-btf", fd < 0,
                   fd < 0 ? std::string("refused: ") + strerror(errno) : std::string("accepted (unexpected)")});
    if (fd >= 0) close(fd);
  }
  {
    const int fd = create_map(kMapTypeArena, "lsmc_arena", 0, 0, 4, BPF_F_MMAPABLE);
    std::string detail = fd >= 0 ? std::string("BPF_MAP_TYPE_ARENA with BPF_F_MMAPABLE") : std::string("refused: ") + strerror(errno);
    bool ok = fd >= 0;
    if (fd >= 0) {
      void* p = mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      ok = p != MAP_FAILED;
      detail += ok ? "; user mmap works" : std::string("; mmap failed: ") + strerror(errno);
      if (ok) munmap(p, 4 * 4096);
      close(fd);
    }
    out.push_back({"arena", ok, detail});
  }
  {
    // uptr (user memory pinned into task storage values, 6.13+): the kernel's BTF knows the
    // BPF_UPTR field type. A presence check, not a functional test.
    bool known = false;
    if (btf* vmlinux = btf__load_vmlinux_btf()) {
      const int id = btf__find_by_name_kind(vmlinux, "btf_field_type", BTF_KIND_ENUM);
      if (id > 0) {
        const btf_type* t = btf__type_by_id(vmlinux, id);
        const struct btf_enum* e = btf_enum(t);
        for (int i = 0; i < btf_vlen(t); ++i) known |= std::strcmp(btf__name_by_offset(vmlinux, e[i].name_off), "BPF_UPTR") == 0;
      }
      btf__free(vmlinux);
    }
    out.push_back({"uptr", known, known ? "kernel BTF has BPF_UPTR in enum btf_field_type" : "BPF_UPTR not in the kernel's BTF"});
  }
  out.push_back({"cgroup2", !cgroup2_root().empty(),
                 cgroup2_root().empty() ? std::string("no cgroup2 mount") : "mounted at " + cgroup2_root()});
  {
    std::ifstream f("/proc/sys/kernel/unprivileged_bpf_disabled");
    std::string v;
    std::getline(f, v);
    out.push_back({"unprivileged-bpf", v == "0", "kernel.unprivileged_bpf_disabled=" + v});
  }
  return out;
}

namespace {

// splitmix64: the stress run's own deterministic choices per thread.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr int kPidfdThread = O_EXCL;  // PIDFD_THREAD (6.9+): a pidfd for one thread

struct StressShared {
  std::vector<std::atomic<int>> pidfds;  // thread i's pidfd, -1 before it starts
  std::mutex mu;
  StressReport* report;
  explicit StressShared(int n) : pidfds(n) {
    for (auto& p : pidfds) p = -1;
  }
  void count(const std::string& what) {
    std::lock_guard<std::mutex> g(mu);
    ++report->outcomes[what];
    ++report->operations;
  }
  void violation(const std::string& what) {
    std::lock_guard<std::mutex> g(mu);
    if (report->violations.size() < 20) report->violations.push_back(what);
  }
};

std::string errno_name(int e) {
  switch (e) {
    case 0: return "ok";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    default: return "errno " + std::to_string(e);
  }
}

void stress_thread(int self, int n, int ops, uint64_t seed, int prog_fd, int map_fd, StressShared& sh) {
  sh.pidfds[self] = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(gettid()), kPidfdThread));
  uint64_t rng = seed;
  // Values written for thread t are t * 1000000 + k: a read for t must give 0 or such a value.
  auto check_value = [&](int owner, int64_t v, const char* where) {
    if (v != 0 && v / 1000000 != owner) {
      sh.violation(std::string(where) + ": thread " + std::to_string(owner) + "'s value is " + std::to_string(v));
    }
  };
  auto allowed = [&](const char* op, int e, std::initializer_list<int> ok) {
    sh.count(std::string(op) + ": " + errno_name(e));
    for (int a : ok) if (a == e) return;
    sh.violation(std::string(op) + " returned " + errno_name(e) + ", outside the documented set");
  };
  for (int i = 0; i < ops; ++i) {
    const int other = static_cast<int>(next_random(rng) % static_cast<uint64_t>(n));
    const int fd = other == self ? sh.pidfds[self].load() : sh.pidfds[other].load();
    const int64_t value = static_cast<int64_t>(other) * 1000000 + i;
    switch (next_random(rng) % 6) {
      case 0: {  // program get with F_CREATE on ourselves
        const int ret = test_run(prog_fd, LSMC_CMD_GET, LSMC_MAP_TASK, 1);
        sh.count(std::string("bpf_get(F_CREATE): ") + (ret == LSMC_NULL ? "NULL" : "pointer"));
        if (ret != LSMC_NULL) check_value(self, ret, "bpf_get");
        break;
      }
      case 1: {
        const int ret = test_run(prog_fd, LSMC_CMD_DELETE, LSMC_MAP_TASK, 0);
        allowed("bpf_delete", -ret, {0, ENOENT});
        break;
      }
      case 2: {
        if (fd < 0) break;
        int64_t v = 0;
        errno = 0;
        const int e = errno_of(bpf_map_lookup_elem(map_fd, &fd, &v));
        allowed("sys_lookup", e, {0, ENOENT});
        if (e == 0) check_value(other, v, "sys_lookup");
        break;
      }
      case 3:
      case 4: {
        if (fd < 0) break;
        errno = 0;
        const uint64_t flags = next_random(rng) % 3;  // BPF_ANY, BPF_NOEXIST, BPF_EXIST
        const int e = errno_of(bpf_map_update_elem(map_fd, &fd, &value, flags));
        allowed("sys_update", e, {0, ENOENT, EEXIST, EAGAIN});
        break;
      }
      default: {
        if (fd < 0) break;
        errno = 0;
        allowed("sys_delete", errno_of(bpf_map_delete_elem(map_fd, &fd)), {0, ENOENT});
      }
    }
  }
  close(prog_fd);
  close(map_fd);
}

}  // namespace

StressReport stress(const StressOptions& o) {
  StressReport report;
  libbpf_set_print(silent_print);
  uint64_t rng = o.seed;
  for (int epoch = 0; epoch < o.first_epoch; ++epoch) {
    for (int t = 0; t < o.threads; ++t) next_random(rng), next_random(rng);  // an epoch's draws, as below
  }
  for (int epoch = o.first_epoch; epoch < o.epochs; ++epoch) {
    if (o.interrupted != nullptr && o.interrupted->load()) {
      report.interrupted = true;
      report.resume_epoch = epoch;
      break;
    }
    lsmc_bpf* s = lsmc_bpf__open_and_load();
    if (s == nullptr) throw std::runtime_error(std::string("loading the BPF object failed: ") + strerror(errno));
    StressShared sh(o.threads);
    sh.report = &report;
    std::vector<std::thread> threads;
    for (int t = 0; t < o.threads; ++t) {
      // Each thread holds its own references; the skeleton's go away at once, so the maps are
      // freed when the last thread finishes, racing the exiting threads' storage destruction.
      const int prog_fd = fcntl(bpf_program__fd(s->progs.lsmc_run), F_DUPFD_CLOEXEC, 3);
      const int map_fd = fcntl(bpf_map__fd(s->maps.task_map), F_DUPFD_CLOEXEC, 3);
      const int ops = 1 + static_cast<int>(next_random(rng) % static_cast<uint64_t>(o.ops_per_thread));
      threads.emplace_back(stress_thread, t, o.threads, ops, next_random(rng), prog_fd, map_fd, std::ref(sh));
    }
    lsmc_bpf__destroy(s);
    for (auto& t : threads) t.join();
    for (auto& p : sh.pidfds) {
      if (p >= 0) close(p);
    }
    report.threads_run += o.threads;
  }
  return report;
}

RaceReport race_delete_vs_replace(long rounds) {
  RaceReport report;
  libbpf_set_print(silent_print);
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  if (s == nullptr) throw std::runtime_error(std::string("loading the BPF object failed: ") + strerror(errno));
  const int fd = bpf_map__fd(s->maps.task_map);
  const int pidfd = sys_pidfd_open(getpid());
  std::atomic<long> go{0};
  std::atomic<int> done{0}, del_err{0}, upd_err{0};
  auto worker = [&](bool deleter) {
    for (long r = 1; r <= rounds; ++r) {
      while (go.load() != r) std::this_thread::yield();
      errno = 0;
      if (deleter) {
        del_err = errno_of(bpf_map_delete_elem(fd, &pidfd));
      } else {
        const int64_t three = 3;
        upd_err = errno_of(bpf_map_update_elem(fd, &pidfd, &three, BPF_EXIST));
      }
      ++done;
    }
  };
  std::thread a(worker, true), b(worker, false);
  for (long r = 1; r <= rounds; ++r) {
    const int64_t one = 1;
    bpf_map_update_elem(fd, &pidfd, &one, BPF_ANY);
    done = 0;
    go = r;
    while (done.load() != 2) std::this_thread::yield();
    int64_t out = 0;
    const int rc = bpf_map_lookup_elem(fd, &pidfd, &out);
    ++report.rounds;
    if (del_err == 0 && upd_err == 0) {
      ++report.both_succeeded;
      if (rc == 0 && out == 3) ++report.survived_delete;
    }
  }
  a.join();
  b.join();
  close(pidfd);
  lsmc_bpf__destroy(s);
  return report;
}

Costs measure_costs(int iterations, const std::function<double()>& now_ns) {
  Costs c;
  libbpf_set_print(silent_print);
  lsmc_bpf* s = lsmc_bpf__open_and_load();
  if (s == nullptr) throw std::runtime_error(std::string("loading the BPF object failed: ") + strerror(errno));
  const int pidfd = sys_pidfd_open(getpid());
  const int fd = bpf_map__fd(s->maps.task_map);
  int64_t value = 42;
  bpf_map_update_elem(fd, &pidfd, &value, BPF_ANY);
  int64_t out = 0;
  double t0 = now_ns();
  for (int i = 0; i < iterations; ++i) bpf_map_lookup_elem(fd, &pidfd, &out);
  c.syscall_lookup_ns = (now_ns() - t0) / iterations;
  // BPF side: the program times LSMC_BENCH_ITERATIONS cache-hit gets with bpf_ktime_get_ns.
  double total = 0;
  int runs = 0;
  for (int i = 0; i < 50; ++i) {
    const int ns = test_run(bpf_program__fd(s->progs.lsmc_run), LSMC_CMD_GET_BENCH, LSMC_MAP_TASK, 0);
    if (ns > 0) {
      total += static_cast<double>(ns) / LSMC_BENCH_ITERATIONS;
      ++runs;
    }
  }
  c.bpf_get_ns = runs ? total / runs : 0;
  // User side after the proposal: the same 8 bytes from a mapped arena page.
  const int afd = create_map(kMapTypeArena, "lsmc_bench", 0, 0, 1, BPF_F_MMAPABLE);
  if (afd >= 0) {
    auto* page = static_cast<volatile int64_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, afd, 0));
    if (page != MAP_FAILED) {
      page[0] = 42;
      int64_t sum = 0;
      const int n = iterations * 100;
      t0 = now_ns();
      for (int i = 0; i < n; ++i) sum += page[0];
      c.mapped_read_ns = (now_ns() - t0) / n;
      c.arena = sum != 0;
      munmap(const_cast<int64_t*>(page), 4096);
    }
    close(afd);
  }
  close(pidfd);
  lsmc_bpf__destroy(s);
  return c;
}

}  // namespace lsmc::real
