// The runner: executions one after another until the budget is used up, the strategy has
// nothing left, or an execution fails. The only place that reads a clock (for seconds_max and
// progress), and never inside an execution.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/config.hpp"
#include "sim/execution.hpp"
#include "sim/scenario.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

// An event with its names resolved, owned: what a trace file stores.
struct RecordedEvent {
  uint64_t step = 0;
  ActorId actor = kNoActor;
  model::Op op = model::Op::kYield;
  ObjectId object = model::kNoObject;
  uint16_t field = 0;
  std::string object_text;  // "counter#1.value", or "-"
  std::string label;
  std::string order;  // weak models only: "once", "acquire", ... (empty otherwise)
  int64_t rf = -1;    // weak models only, loads: the step of the store read (0: the initial value)
  bool operator==(const RecordedEvent&) const = default;
};

struct RecordedActor {
  std::string name;
  uint16_t cpu = 0;
  model::ContextKind kind = model::ContextKind::kTask;
  bool operator==(const RecordedActor&) const = default;
};

// Everything one execution did, detached from the engine.
struct ExecutionRecord {
  uint64_t index = 0;
  uint64_t steps = 0;
  Verdict verdict;
  std::vector<RecordedActor> actors;
  std::vector<Decision> decisions;
  std::vector<RecordedEvent> events;
};
// One event as a trace keeps it.
RecordedEvent record_event(const Execution& exec, const Event& e);
ExecutionRecord record_of(const Execution& exec, uint64_t index);
// The first difference between two event lists, or empty when they agree.
std::string first_event_difference(const std::vector<RecordedEvent>& expected,
                                   const std::vector<RecordedEvent>& actual);

enum class Outcome : uint8_t {
  kNothingFound,  // budget used up or space exhausted, every execution passed
  kViolation,     // a property failed
  kLimit,         // an execution hit a per-execution limit
  kNondeterminism,  // the same decisions gave a different execution: a bug in the model or engine
};
std::string_view to_string(Outcome outcome);

struct RunProgress {
  uint64_t executions = 0;  // all workers together
  uint64_t steps = 0;
  double seconds = 0;
  uint64_t probes_hit = 0;        // distinct probes worker 0 has hit
  double explored_fraction = -1;  // dfs, dpor: estimate of the tree explored; else -1
  // --jobs N with dfs or dpor (sim/resplit.hpp): parts ended, and parts queued or running.
  uint64_t parts_done = 0;
  uint64_t parts_left = 0;
};

using ObserverFactory = std::function<std::vector<std::unique_ptr<Observer>>()>;

// How often a run met a known finding, and the first execution that did.
struct KnownHit {
  uint64_t count = 0;
  uint64_t first_index = 0;
};

// Where one part of a tree search (dfs, icb, dpor: one per --jobs worker) stood when its run
// stopped between two executions: what a later run needs to go on as if it had never stopped
// (RunRequest::resume), its counts included, so the later run's report is the whole search's.
struct PartCheckpoint {
  uint64_t next_index = 0;  // the index of the part's next execution
  bool exhausted = false;   // the part had explored everything: nothing left to run
  std::string state;        // Strategy::save()
  uint64_t executions = 0;
  double seconds = 0;
  Metrics metrics;
  std::map<std::string, uint64_t, std::less<>> probe_hits;
  std::map<std::string, KnownHit, std::less<>> known_hits;  // by KnownFinding::name
  // A part of a run that cuts parts as it goes (--jobs with dfs or dpor, sim/resplit.hpp): which
  // part, the index it numbers its executions from, and whether it had started (a part waiting
  // in the queue has no state yet). The run's own totals so far ride along in every part.
  Split split;
  uint64_t start = 0;
  bool started = true;
  uint64_t run_executions_resplit = 0;
  uint64_t run_parts_resplit = 0;
  double run_seconds = 0;
};

struct RunRequest {
  const Scenario* scenario = nullptr;
  Params params;
  Config config;
  ObserverFactory observers;                       // may be empty
  std::function<void(const RunProgress&)> progress;  // called about twice a second; may be empty
  const std::atomic<bool>* interrupted = nullptr;     // set (by a signal handler) to stop early
  std::vector<KnownFinding> known;  // findings counted, not reported (Catalog::known_in)
  // dfs and dpor under --shard: the decisions whose subtrees are dealt to the parts (Split::depth);
  // 0: default_split_depth. With --jobs and no shard: the first parts' depth (sim/resplit.hpp).
  // Set alone (one part, one job), the run is the split search whole: the executions all parts of
  // the same depth run together.
  uint32_t split_depth = 0;
  // --jobs N (N >= 2) with dfs or dpor: a part that has run this many executions without ending is
  // cut into parts (sim/resplit.hpp); 0: kResplitAfter.
  uint64_t resplit_after = 0;
  // --shard I/N:J/M:...: the levels below the first (Config::shard_index and shard_count), each
  // cutting the part above again at a deeper depth (0: the level above's + 2 log2 count, log2
  // rounded up). dfs and dpor only.
  std::vector<SplitLevel> shard_below;
  // A tree search that goes on where an interrupted run of the same request stopped
  // (RunReport::checkpoint; one part per job). A part's restored prefix that does not fit the
  // scenario (its first execution diverges) is a std::invalid_argument, as a bad request is.
  const std::vector<PartCheckpoint>* resume = nullptr;
  // For tests: each worker stops as if interrupted once it has run this many executions, those of
  // another part's subtree included (0: never).
  uint64_t interrupt_after = 0;
};

// The split depth for `parts` parts (shards): 6 + 2 log2(parts), log2 rounded up (why: at
// the definition).
uint32_t default_split_depth(uint64_t parts);

// The part of the tree `request`'s shard explores (dfs, dpor), every level with its depth; no
// levels when the request does not split. Throws std::invalid_argument for levels that are not
// parts (index >= count, a level below of count 1) or depths not increasing.
Split split_of(const RunRequest& request);

struct RunReport {
  Outcome outcome = Outcome::kNothingFound;
  std::string stop_reason;  // "executions_max", "seconds_max", "space exhausted", "failure",
                            // "interrupted"
  // Where an interrupted run resumes: every index below it in this shard has run.
  uint64_t resume_index = 0;
  // A tree search (dfs, icb, dpor) that ended without a finding (a signal, its budget, or the
  // space exhausted): each part's place, for RunRequest::resume.
  std::vector<PartCheckpoint> checkpoint;
  uint64_t executions = 0;
  double seconds = 0;
  Metrics metrics;
  double explored_fraction = -1;  // dfs, dpor: the part of the tree explored (estimate), else -1
  std::optional<ExecutionRecord> failure;  // the failing (or limit-hitting) execution
  std::string nondeterminism;              // what differed, for kNondeterminism
  std::map<std::string, uint64_t, std::less<>> probe_hits;
  std::vector<std::string> probes_never_hit;
  std::map<std::string, KnownHit, std::less<>> known_hits;  // by KnownFinding::name
  // --jobs N with dfs or dpor (sim/resplit.hpp): the parts that ran to their end or their stop,
  // the parts cut into parts, and the executions those ran before they were cut (run again by
  // their parts, not in `executions`).
  uint64_t parts = 0;
  uint64_t parts_resplit = 0;
  uint64_t executions_resplit = 0;
  // Every part that ran, cut or not, in the order they ended: where the work went.
  struct PartRun {
    Split split;
    uint64_t executions = 0;
    uint64_t foreign = 0;  // runs through the prefix into another part's subtree
    double seconds = 0;
    bool cut = false;
  };
  std::vector<PartRun> parts_run;
  // A split tree search (dfs, dpor under --jobs/--shard or split_depth): the part that ran, or for
  // a failure the part that found it (its reproduce command runs that part alone). count 1,
  // depth 0: not split.
  Split split;
};

// Throws std::invalid_argument for a bad request (unknown strategy, invalid config).
RunReport run(const RunRequest& request);

// Runs one execution under a recorded decision list (replay, and the automatic re-check of every
// failure). The extra observers (may be empty) watch it too.
// Uses `engine` when given (one Engine per thread at a time), else makes one.
ExecutionRecord replay_decisions(const RunRequest& request, const ExecutionRecord& recorded,
                                 std::vector<std::unique_ptr<Observer>> extra = {},
                                 Engine* engine = nullptr);

}  // namespace lsmc::sim
