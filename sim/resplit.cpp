// --jobs N for dfs and dpor (sim/resplit.hpp). The shard's part is cut into kPartsFirst parts,
// queued; N worker threads take parts from the queue. A part that has run resplit_after
// executions of its own without ending is stopped and replaced by its kPartsBelow parts one
// level deeper (at most kLevelsBelowMax levels below the first parts), which go to the front of
// the queue; the executions it ran are run again by them (reported as
// executions_resplit, not counted in executions). The parts of a part cover every outcome it
// covers (sim/strategies/split_owner.hpp), so the run is exhausted when every part that was not
// cut is.
//
// Why a part is cut when it has run a given number of executions and not when a worker is idle:
// the report must not depend on timing. Cut on a count, which parts exist is a function of the
// search alone, so the parts, their executions and their failures are the same for any N >= 2
// and any interleaving of the workers. Cut when a worker is idle, the failure reported would vary
// from run to run: DPOR covers a class of schedules by one representative, and which part's
// subtree holds it depends on how deep its prefix was expanded. The price: a part that will be
// cut runs resplit_after executions for nothing, on one worker as on many.
//
// Failures: a part numbers its executions from its start, the index at which its parent was cut
// (the shard's first execution for the first parts), so every failure has a place on one scale.
// The report is the failure with the lowest index, ties to the part first in Split order. A part
// stops once its index passes the lowest failing index found so far; the part that holds the
// lowest one is never stopped before it, and a part above it was cut at an index below it (its
// parts start there), so which worker found what first does not matter.
// What varies with timing: seconds, and, when there is a failure, the counts of the parts that
// ran past it before they learned of it.
#include "sim/resplit.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace lsmc::sim {

namespace {

uint32_t log2_of(uint64_t n) {
  uint32_t log2 = 0;
  while ((uint64_t{1} << log2) < n) ++log2;
  return log2;
}

struct Part {
  Split split;
  uint64_t start = 0;
  const PartCheckpoint* from = nullptr;  // where an earlier run left it
};

struct Ended {
  Part part;
  RunReport report;
  PartCheckpoint saved;
};

// The parts `p` is cut into, at `start` (the index it stopped at); none for a part `levels_max`
// levels deep. (Each level expands DPOR's prefix 6 decisions deeper, which every part below it
// runs through: the cost of a level grows with its depth.)
std::vector<Part> parts_of(const Part& p, uint64_t start, std::size_t levels_max) {
  const uint32_t depth = p.split.depth() + 2 * log2_of(kPartsBelow);
  std::vector<Part> out;
  if (p.split.levels.size() >= levels_max || depth > 64) return out;
  for (uint64_t j = 0; j < kPartsBelow; ++j) out.push_back({p.split.below(j, kPartsBelow, depth), start});
  return out;
}

bool first_in_order(const Split& a, const Split& b) {
  return std::lexicographical_compare(a.levels.begin(), a.levels.end(), b.levels.begin(), b.levels.end(),
                                      [](const SplitLevel& x, const SplitLevel& y) { return x.index < y.index; });
}

// The lowest-index failure of the parts that ended, ties to the first part; null if none.
Ended* lowest_failure(std::vector<Ended>& ended) {
  Ended* best = nullptr;
  for (Ended& e : ended) {
    if (!e.report.failure) continue;
    if (best == nullptr || e.report.failure->index < best->report.failure->index ||
        (e.report.failure->index == best->report.failure->index && first_in_order(e.part.split, best->part.split))) {
      best = &e;
    }
  }
  return best;
}

class Run {
public:
  Run(const RunRequest& request, Totals& totals) : request_(request), totals_(totals) {
    resplit_after_ = request.resplit_after > 0 ? request.resplit_after : kResplitAfter;
    end_ = request.config.execution_first + request.config.executions_max;
    part_request_ = request;
    part_request_.resume = nullptr;
    if (request.progress) part_request_.progress = [this](const RunProgress& p) { progress(p); };
  }

  RunReport go() {
    queue_parts();
    std::vector<std::thread> workers;
    for (uint64_t w = 0; w < request_.config.jobs; ++w) workers.emplace_back([this] { work(); });
    for (auto& t : workers) t.join();
    if (error_) std::rethrow_exception(error_);
    return report();
  }

private:
  using Clock = std::chrono::steady_clock;

  void queue_parts() {
    levels_max_ = (request_.config.shard_count == 1 && request_.shard_below.empty() ? 0 : split_of(request_).levels.size()) +
                  1 + kLevelsBelowMax;
    if (request_.resume != nullptr) {
      for (const PartCheckpoint& c : *request_.resume) {
        queue_.push_back({c.split, c.start, c.started ? &c : nullptr});
        executions_resplit_ = c.run_executions_resplit;
        parts_resplit_ = c.run_parts_resplit;
        seconds_before_ = c.run_seconds;
      }
      return;
    }
    // The shard's part (no levels: the whole tree, and --split-depth, if given, is the first
    // parts' depth).
    const bool whole = request_.config.shard_count == 1 && request_.shard_below.empty();
    const Split root = whole ? Split() : split_of(request_);
    const uint32_t depth = whole && request_.split_depth > 0 ? request_.split_depth
                                                             : (whole ? default_split_depth(1) : root.depth()) + 2 * log2_of(kPartsFirst);
    for (uint64_t i = 0; i < kPartsFirst; ++i) {
      queue_.push_back({root.below(i, kPartsFirst, depth), request_.config.execution_first});
    }
  }

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  // One worker: takes parts until none is left or running, or the run stops.
  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || running_ == 0; });
      if (stopping_ || queue_.empty()) break;
      Ended e{std::move(queue_.front()), {}, {}};
      queue_.pop_front();
      ++running_;
      lock.unlock();
      // A part too deep to cut runs on to its end.
      const uint64_t resplit_after = parts_of(e.part, 0, levels_max_).empty() ? UINT64_MAX : resplit_after_;
      try {
        e.report = explore_range(part_request_, {e.part.start, 1, end_}, e.part.split, &best_, true, totals_,
                                 e.part.from, &e.saved, resplit_after, seconds_before_ + elapsed());
      } catch (...) {
        lock.lock();
        --running_;
        error_ = std::current_exception();
        stopping_ = true;
        cv_.notify_all();
        return;
      }
      lock.lock();
      --running_;
      parts_run_.push_back({e.part.split, e.report.executions, e.report.metrics.foreign, e.report.seconds,
                            e.report.stop_reason == "resplit"});
      if (e.report.stop_reason == "resplit") {
        const std::vector<Part> below = parts_of(e.part, e.report.resume_index, levels_max_);
        ++parts_resplit_;
        executions_resplit_ += e.report.executions;
        queue_.insert(queue_.begin(), below.begin(), below.end());
      } else {
        stopping_ = stopping_ || e.report.stop_reason == "interrupted" || e.report.stop_reason == "seconds_max";
        ended_.push_back(std::move(e));
      }
      parts_done_ = ended_.size();
      parts_left_ = queue_.size() + running_;
      cv_.notify_all();
    }
    cv_.notify_all();
  }

  // Progress from any worker, about twice a second, for the whole run.
  void progress(const RunProgress& p) {
    std::lock_guard lock(progress_mu_);
    const auto now = Clock::now();
    if (now - last_progress_ < std::chrono::milliseconds(500)) return;
    last_progress_ = now;
    RunProgress q = p;
    q.seconds = seconds_before_ + elapsed();
    q.parts_done = parts_done_.load();
    q.parts_left = parts_left_.load();
    request_.progress(q);
  }

  RunReport report();
  void checkpoint(RunReport& out);

  const RunRequest& request_;
  Totals& totals_;
  RunRequest part_request_;
  uint64_t resplit_after_ = 0;
  std::size_t levels_max_ = 0;
  uint64_t end_ = 0;
  const Clock::time_point start_ = Clock::now();
  double seconds_before_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Part> queue_;
  uint64_t running_ = 0;
  bool stopping_ = false;
  std::vector<Ended> ended_;
  std::vector<RunReport::PartRun> parts_run_;
  uint64_t parts_resplit_ = 0;
  uint64_t executions_resplit_ = 0;
  std::exception_ptr error_;
  std::atomic<uint64_t> best_{UINT64_MAX};
  std::mutex progress_mu_;
  Clock::time_point last_progress_{};
  std::atomic<uint64_t> parts_done_{0};
  std::atomic<uint64_t> parts_left_{0};
};

RunReport Run::report() {
  RunReport out;
  if (request_.config.shard_count > 1 || !request_.shard_below.empty()) out.split = split_of(request_);
  out.parts = ended_.size();
  out.parts_resplit = parts_resplit_;
  out.executions_resplit = executions_resplit_;
  out.parts_run = parts_run_;
  out.seconds = seconds_before_ + elapsed();
  bool exhausted = queue_.empty();
  std::string stop;
  for (Ended& e : ended_) {
    const RunReport& p = e.report;
    exhausted = exhausted && p.stop_reason == "space exhausted";
    if (p.stop_reason == "interrupted") stop = "interrupted";
    if (p.stop_reason == "seconds_max" && stop.empty()) stop = "seconds_max";
    out.executions += p.executions;
    add_metrics(out.metrics, p.metrics);
    for (const auto& [name, count] : p.probe_hits) out.probe_hits[name] += count;
    for (const auto& [name, hit] : p.known_hits) {
      KnownHit& into = out.known_hits[name];
      into.first_index = into.count == 0 ? hit.first_index : std::min(into.first_index, hit.first_index);
      into.count += hit.count;
    }
  }
  out.stop_reason = exhausted ? "space exhausted" : !stop.empty() ? stop : "executions_max";
  out.resume_index = UINT64_MAX;
  if (Ended* f = lowest_failure(ended_)) {
    out.failure = std::move(f->report.failure);
    out.outcome = f->report.outcome;
    out.nondeterminism = f->report.nondeterminism;
    out.stop_reason = "failure";
    out.split = f->part.split;
    // Its reproduce command runs its part alone, which numbers from the first execution.
    out.failure->index = request_.config.execution_first + (out.failure->index - f->part.start);
    return out;
  }
  checkpoint(out);
  return out;
}

// Every part not cut: where it stopped, or, still queued, where it starts.
void Run::checkpoint(RunReport& out) {
  if (!resumes_from_checkpoint(request_.config.strategy)) return;
  auto with_run = [&](PartCheckpoint c, const Part& p) {
    c.split = p.split;
    c.start = p.start;
    c.run_executions_resplit = executions_resplit_;
    c.run_parts_resplit = parts_resplit_;
    c.run_seconds = out.seconds;
    return c;
  };
  for (const Ended& e : ended_) out.checkpoint.push_back(with_run(e.saved, e.part));
  for (const Part& p : queue_) {
    PartCheckpoint c = p.from != nullptr ? *p.from : PartCheckpoint{};
    if (p.from == nullptr) {
      c.next_index = p.start;
      c.started = false;
    }
    out.checkpoint.push_back(with_run(c, p));
  }
}

}  // namespace

RunReport run_resplit(const RunRequest& request, Totals& totals) { return Run(request, totals).go(); }

}  // namespace lsmc::sim
