// lsmc mls stress and lsmc mls diff leave nothing behind in the kernel on any exit path (issue 18):
// after a normal exit, an error exit (too few file descriptors for the owner processes) and a
// SIGINT, no BPF map, program or link of the library's test object is left that no process holds
// (pinned, attached without a link, or kept by a process of the run that outlived it), no process
// the run started is left, and no cgroup of a run (mls-test-PID-N). The test process is the child
// subreaper of the run, so an orphan comes back to it. Where BPF is unavailable: skipped, one line.
#include <dirent.h>
#include <linux/bpf.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/util.hpp"

namespace lsmc {
namespace {

long sys_bpf(int cmd, bpf_attr& attr) { return syscall(__NR_bpf, cmd, &attr, sizeof(attr)); }

// The kinds of BPF object: the commands that walk their ids and open one by id.
struct Kind {
  const char* name;
  int next_id, fd_by_id;
};
constexpr Kind kMaps{"map", BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID};
constexpr Kind kProgs{"program", BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID};
constexpr Kind kLinks{"link", BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID};

std::vector<uint32_t> ids_of(const Kind& k) {
  std::vector<uint32_t> ids;
  bpf_attr a{};
  for (a.start_id = 0; sys_bpf(k.next_id, a) == 0; a.start_id = a.next_id) ids.push_back(a.next_id);
  return ids;
}

uint32_t max_id(const Kind& k) {
  const std::vector<uint32_t> ids = ids_of(k);
  return ids.empty() ? 0 : ids.back();
}

// One object's info (bpf_map_info, bpf_prog_info or bpf_link_info); false when it is gone.
template <typename Info>
bool info_of(const Kind& k, uint32_t id, Info& info, std::vector<uint32_t>* map_ids = nullptr) {
  bpf_attr a{};
  a.map_id = id;  // one field of a union with prog_id and link_id
  const int fd = static_cast<int>(sys_bpf(k.fd_by_id, a));
  if (fd < 0) return false;
  info = Info{};
  if constexpr (std::is_same_v<Info, bpf_prog_info>) {
    if (map_ids) {
      map_ids->assign(64, 0);
      info.nr_map_ids = 64;
      info.map_ids = reinterpret_cast<uint64_t>(map_ids->data());
    }
  }
  bpf_attr q{};
  q.info.bpf_fd = static_cast<uint32_t>(fd);
  q.info.info_len = sizeof(info);
  q.info.info = reinterpret_cast<uint64_t>(&info);
  const bool ok = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, q) == 0;
  close(fd);
  if constexpr (std::is_same_v<Info, bpf_prog_info>) {
    if (ok && map_ids) map_ids->resize(info.nr_map_ids);
  }
  return ok;
}

// Every BPF object some live process holds a file descriptor of ("map_id:", "prog_id:" and
// "link_id:" in /proc/PID/fdinfo).
struct Held {
  std::set<uint32_t> maps, progs, links;
};
Held held_by_processes() {
  Held h;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return h;
  while (dirent* p = readdir(proc)) {
    if (p->d_name[0] < '0' || p->d_name[0] > '9') continue;
    const std::string dir = std::string("/proc/") + p->d_name + "/fdinfo";
    DIR* fds = opendir(dir.c_str());
    if (fds == nullptr) continue;
    while (dirent* f = readdir(fds)) {
      std::ifstream in(dir + "/" + f->d_name);
      std::string key;
      uint32_t id = 0;
      while (in >> key) {
        if (key == "map_id:" && in >> id) h.maps.insert(id);
        if (key == "prog_id:" && in >> id) h.progs.insert(id);
        if (key == "link_id:" && in >> id) h.links.insert(id);
      }
    }
    closedir(fds);
  }
  closedir(proc);
  return h;
}

// The library's objects (names starting with "mls") created after `since` that no process holds,
// directly or through a held program or link; one line each.
struct Since {
  uint32_t maps = 0, progs = 0, links = 0;
};
Since now_ids() { return {max_id(kMaps), max_id(kProgs), max_id(kLinks)}; }

std::vector<std::string> orphans_since(const Since& since) {
  const Held held = held_by_processes();
  std::set<uint32_t> held_maps = held.maps, held_progs = held.progs;
  std::vector<std::string> out;
  // Links first: a held link holds its program.
  std::vector<std::pair<uint32_t, uint32_t>> links;  // (link, its program)
  for (uint32_t id : ids_of(kLinks)) {
    bpf_link_info info;
    if (id > since.links && info_of(kLinks, id, info)) links.emplace_back(id, info.prog_id);
  }
  for (const auto& [link, prog] : links) {
    if (held.links.count(link)) held_progs.insert(prog);
  }
  std::set<uint32_t> ours_progs;
  for (uint32_t id : ids_of(kProgs)) {
    bpf_prog_info info;
    std::vector<uint32_t> maps;
    if (!info_of(kProgs, id, info, &maps)) continue;
    if (held_progs.count(id)) held_maps.insert(maps.begin(), maps.end());
    if (id <= since.progs || std::string(info.name).rfind("mls", 0) != 0) continue;
    ours_progs.insert(id);
    if (!held_progs.count(id)) out.push_back(std::string("program ") + std::to_string(id) + " " + info.name);
  }
  for (const auto& [link, prog] : links) {
    if (ours_progs.count(prog) && !held.links.count(link)) {
      out.push_back("link " + std::to_string(link) + " of program " + std::to_string(prog));
    }
  }
  for (uint32_t id : ids_of(kMaps)) {
    bpf_map_info info;
    if (id <= since.maps || !info_of(kMaps, id, info)) continue;
    if (std::string(info.name).rfind("mls", 0) == 0 && !held_maps.count(id)) {
      out.push_back(std::string("map ") + std::to_string(id) + " " + info.name);
    }
  }
  return out;
}

// Objects are freed after their last reference goes (some after a grace period): wait for them.
std::vector<std::string> orphans_after_exit(const Since& since) {
  std::vector<std::string> left;
  for (int i = 0; i < 100; ++i) {
    left = orphans_since(since);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return left;
}

// Processes the run left behind: orphans reparented to this process (the child subreaper). Waits
// up to two seconds for them to end, then kills and reports each.
std::vector<std::string> processes_left() {
  std::vector<std::string> left;
  for (int i = 0; i < 200; ++i) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::string children;
    std::ifstream(("/proc/self/task/" + std::to_string(getpid()) + "/children").c_str()) >> children;
    if (children.empty()) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in("/proc/self/task/" + std::to_string(getpid()) + "/children");
  for (pid_t pid; in >> pid;) {
    left.push_back("process " + std::to_string(pid));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  return left;
}

// Cgroups of a run whose process is gone (mls_cgroup_make names them mls-test-PID-N).
std::vector<std::string> cgroups_left() {
  std::vector<std::string> left;
  DIR* root = opendir("/sys/fs/cgroup");
  if (root == nullptr) return left;
  while (dirent* d = readdir(root)) {
    int pid = 0, n = 0;
    if (std::sscanf(d->d_name, "mls-test-%d-%d", &pid, &n) == 2 && kill(pid, 0) != 0) left.emplace_back(d->d_name);
  }
  closedir(root);
  return left;
}

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& l : v) s += "  " + l + "\n";
  return s;
}

#define SKIP_WITHOUT_BPF(result)                                                                     \
  do {                                                                                               \
    if ((result).code == 2 && (result).err.rfind("skipped: ", 0) == 0) GTEST_SKIP() << (result).err; \
  } while (0)

class MlsLeftovers : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    since_ = now_ids();
  }
  void TearDown() override { prctl(PR_SET_CHILD_SUBREAPER, 0); }
  // Everything the checks above find after the run; empty when nothing is left.
  std::string left() {
    std::vector<std::string> all = processes_left();
    for (auto& l : orphans_after_exit(since_)) all.push_back(l);
    for (auto& l : cgroups_left()) all.push_back("cgroup " + l);
    return lines(all);
  }
  Since since_;
};

// (lsmc mls stress runs at least a second: its normal exit is RealKernel.MlsStress*'s run, its
// early ones are below.)
TEST_F(MlsLeftovers, NothingAfterANormalExit) {
  const auto d = test::run_lsmc("mls diff --sequences 10 --seed 3", test::temp_dir("mls-left-diff"));
  SKIP_WITHOUT_BPF(d);
  EXPECT_EQ(d.code, 0) << d.out << d.err;
  EXPECT_EQ(left(), "");
}

// Too few file descriptors for the owner processes' pipes: one message and exit 2 (it used to be
// reported as a disagreement of the model and the kernel, exit 1), and nothing left.
TEST_F(MlsLeftovers, NothingAfterAnErrorExit) {
#ifdef LSMC_SANITIZE
  // Under UBSan the vptr check misfires once the process has no file descriptor left (seen at two
  // unrelated sites: RapidCheck's Property.hpp and PortfolioStrategy's constructor), and
  // -fno-sanitize-recover makes that an abort: the exits below need the Release build.
  GTEST_SKIP() << "runs out of file descriptors on purpose, which UBSan's vptr check does not survive";
#endif
  const std::string dir = test::temp_dir("mls-left-error");
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit few = saved;
  few.rlim_cur = 24;  // the object loads; the owners' pipes run out (measured: 23 to 26 do)
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &few), 0);
  const auto d = test::run_lsmc("mls diff --sequences 20 --seed 7", dir);
  few.rlim_cur = 20;  // the object does not load: libbpf undoes what it made
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &few), 0);
  const auto s = test::run_lsmc("mls stress --seconds 1", dir);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  SKIP_WITHOUT_BPF(d);
  EXPECT_EQ(d.code, 2) << d.out << d.err;
  EXPECT_NE(d.err.find("the kernel side failed after"), std::string::npos) << d.err;
  EXPECT_NE(d.err.find("Too many open files"), std::string::npos) << d.err;
  EXPECT_EQ(s.code, 2) << s.out << s.err;
  EXPECT_NE(s.err.find("the test object does not load or attach: Too many open files"), std::string::npos) << s.err;
  EXPECT_EQ(left(), "");
}

TEST_F(MlsLeftovers, NothingAfterSigint) {
  const auto s = test::run_lsmc_signalled({"mls", "stress", "--seconds", "30"}, test::temp_dir("mls-left-int"), SIGINT, 300);
  SKIP_WITHOUT_BPF(s);
  EXPECT_TRUE(s.killed_by == SIGINT || s.code == 130) << s.code << " " << s.killed_by << s.out << s.err;
  const auto d = test::run_lsmc_signalled({"mls", "diff", "--sequences", "100000"}, test::temp_dir("mls-left-int2"), SIGINT,
                                          300);
  EXPECT_TRUE(d.killed_by == SIGINT || d.code == 130) << d.code << " " << d.killed_by << d.out << d.err;
  EXPECT_EQ(left(), "");
}

}  // namespace
}  // namespace lsmc
