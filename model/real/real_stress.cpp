// The real-kernel backend, part three: threads stressing the kernel's task storage, a targeted
// delete/replace race, and the costs of its operations.
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
  quiet_libbpf();
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
  quiet_libbpf();
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
  quiet_libbpf();
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
