// Fork/exit sequences the design report replays through each design's allocator: synthetic ones
// (waves, a steady random churn) and ones recorded on a real machine (tools/record-forkexit.sh).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsmc::report {

// One fork or exit of a recorded (or generated) sequence.
struct ForkExit {
  bool fork = true;
  int pid = 0;  // the child for a fork, the task for an exit
};

struct NamedSequence {
  std::string name;
  std::vector<ForkExit> seq;
};

// A file written by tools/record-forkexit.sh ("fork PARENT CHILD" / "exit PID" lines). Exits of
// tasks that existed before the recording are skipped. Throws std::runtime_error if unreadable.
std::vector<ForkExit> read_sequence(const std::string& path);
// Waves of creation and exit: up to 48 tasks alive, pids reused.
std::vector<ForkExit> synthetic_sequence();
// A steady population with random exits: 150 to 250 tasks alive, 4 000 events, a fixed seed.
std::vector<ForkExit> random_churn_sequence();
// The shape of the jobs of a recorded build (tools/record-forkexit.sh): for each child of the
// first forking process (make), how many descendants it forked. {2} when the file has none.
std::vector<int> job_shapes(const std::string& path);
// A build at scale, calibrated on a recorded one: `background` long-lived tasks (services, a
// desktop) forked first and exited last, and `jobs` jobs, at most `parallel` at a time, each forking
// its children one after the other as the recorded jobs did (shapes taken in turn); the next step
// is a random running job's (fixed seed).
std::vector<ForkExit> make_j_sequence(const std::vector<int>& shapes, int parallel, int background, int jobs);
inline constexpr int kMakeParallel = 64, kMakeBackground = 3000, kMakeJobs = 600;
// The recorded sequences, relative to the source tree.
inline constexpr const char* kRecordedSequences[] = {"data/forkexit-shell.txt", "data/forkexit-compile.txt"};
// The sequences of section 2: the two synthetic ones, those recorded under `source_dir`
// (kRecordedSequences), then a make -j at scale calibrated on the recorded build.
std::vector<NamedSequence> report_sequences(const std::string& source_dir);
// The largest recorded sequence (the synthetic churn when none was recorded).
const NamedSequence& largest_recorded(const std::vector<NamedSequence>& seqs);
// Forks in a sequence.
uint64_t fork_count(const std::vector<ForkExit>& seq);

}  // namespace lsmc::report
