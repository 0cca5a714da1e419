#include "report/sequences.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/rng.hpp"

namespace lsmc::report {

std::vector<ForkExit> read_sequence(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (tools/record-forkexit.sh writes it)");
  std::vector<ForkExit> out;
  std::map<int, bool> alive;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string what;
    f >> what;
    if (what == "fork") {
      int parent = 0, child = 0;
      f >> parent >> child;
      out.push_back({true, child});
      alive[child] = true;
    } else if (what == "exit") {
      int pid = 0;
      f >> pid;
      if (alive[pid]) out.push_back({false, pid});  // tasks that existed before the recording: skipped
      alive[pid] = false;
    }
  }
  return out;
}

std::vector<ForkExit> synthetic_sequence() {
  std::vector<ForkExit> out;
  std::vector<int> live;
  int next_pid = 100;
  for (int wave = 0; wave < 4; ++wave) {
    while (live.size() < 48) {
      live.push_back(next_pid);
      out.push_back({true, next_pid++});
    }
    const std::size_t keep = wave % 2 == 0 ? 4 : 20;
    while (live.size() > keep) {
      // Every third task from the front exits first: holes scattered across pages.
      const std::size_t at = (live.size() * 2) / 3;
      out.push_back({false, live[at]});
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
    next_pid = 100 + (wave % 2) * 7;  // pid numbers come back
    for (int p : live) next_pid = std::max(next_pid, p + 1);
  }
  while (!live.empty()) {
    out.push_back({false, live.back()});
    live.pop_back();
  }
  return out;
}

// Long-lived stragglers scattered over pages: the case a placement policy is for.
std::vector<ForkExit> random_churn_sequence() {
  sim::Rng rng(7);
  std::vector<ForkExit> out;
  std::vector<int> live;
  int next_pid = 100;
  while (out.size() < 4000) {
    const bool fork = live.size() < 150 || (live.size() < 250 && rng.below(2) == 0);
    if (fork) {
      live.push_back(next_pid);
      out.push_back({true, next_pid++});
    } else {
      const std::size_t at = static_cast<std::size_t>(rng.below(live.size()));
      out.push_back({false, live[at]});
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  while (!live.empty()) {
    out.push_back({false, live.back()});
    live.pop_back();
  }
  return out;
}

std::vector<int> job_shapes(const std::string& path) {
  std::ifstream in(path);
  std::map<int, int> parent;  // child -> parent, as recorded
  int root = -1;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string what;
    int p = 0, c = 0;
    if (!(f >> what) || what != "fork" || !(f >> p >> c)) continue;
    if (root < 0) root = p;
    parent[c] = p;
  }
  std::map<int, int> descendants;  // job (a child of the root) -> its descendants
  for (const auto& [child, p] : parent) {
    int job = child;
    while (parent.count(job) != 0 && parent[job] != root) job = parent[job];
    if (parent.count(job) == 0) continue;  // not under the root
    if (job == child) {
      descendants.try_emplace(job, 0);
    } else {
      ++descendants[job];
    }
  }
  std::vector<int> shapes;
  for (const auto& [job, n] : descendants) shapes.push_back(n);
  if (shapes.empty()) shapes.push_back(2);  // nothing recorded: a shell running a driver and cc1
  return shapes;
}

std::vector<ForkExit> make_j_sequence(const std::vector<int>& shapes, int parallel, int background, int jobs) {
  struct Job {
    int pid;
    int left;        // children still to fork, one after the other
    int child = -1;  // the running child
  };
  sim::Rng rng(11);
  std::vector<ForkExit> out;
  int next_pid = 1000;
  for (int i = 0; i < background; ++i) out.push_back({true, next_pid++});
  std::vector<Job> running;
  int started = 0;
  while (started < jobs || !running.empty()) {
    while (started < jobs && static_cast<int>(running.size()) < parallel) {
      running.push_back({next_pid, shapes[static_cast<std::size_t>(started) % shapes.size()]});
      out.push_back({true, next_pid++});
      ++started;
    }
    const std::size_t at = static_cast<std::size_t>(rng.below(running.size()));
    Job& j = running[at];
    if (j.child >= 0) {
      out.push_back({false, j.child});
      j.child = -1;
    } else if (j.left > 0) {
      --j.left;
      j.child = next_pid++;
      out.push_back({true, j.child});
    } else {
      out.push_back({false, j.pid});
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  for (int i = 0; i < background; ++i) out.push_back({false, 1000 + background - 1 - i});
  return out;
}

std::vector<NamedSequence> report_sequences(const std::string& source_dir) {
  namespace fs = std::filesystem;
  std::vector<NamedSequence> seqs{{"synthetic waves", synthetic_sequence()},
                                  {"synthetic random churn", random_churn_sequence()}};
  for (const char* f : kRecordedSequences) {
    const fs::path p = fs::path(source_dir) / f;
    seqs.push_back({std::string("recorded: ") + fs::path(f).filename().string(), read_sequence(p.string())});
  }
  const std::vector<int> shapes = job_shapes((fs::path(source_dir) / "data/forkexit-compile.txt").string());
  seqs.push_back({"synthetic make -j" + std::to_string(kMakeParallel) + " over " + std::to_string(kMakeBackground) +
                      " live tasks",
                  make_j_sequence(shapes, kMakeParallel, kMakeBackground, kMakeJobs)});
  return seqs;
}

const NamedSequence& largest_recorded(const std::vector<NamedSequence>& seqs) {
  const NamedSequence* largest = &seqs[1];
  for (const NamedSequence& n : seqs) {
    if (n.name.starts_with("recorded") && (!largest->name.starts_with("recorded") || n.seq.size() > largest->seq.size())) {
      largest = &n;
    }
  }
  return *largest;
}

uint64_t fork_count(const std::vector<ForkExit>& seq) {
  uint64_t forks = 0;
  for (const ForkExit& e : seq) forks += e.fork;
  return forks;
}

}  // namespace lsmc::report
