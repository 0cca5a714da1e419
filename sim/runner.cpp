#include "sim/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <stdexcept>

namespace lsmc::sim {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kNothingFound: return "nothing-found";
    case Outcome::kViolation: return "violation";
    case Outcome::kLimit: return "limit";
    case Outcome::kNondeterminism: return "nondeterminism";
  }
  return "?";
}

RecordedEvent record_event(const Execution& exec, const Event& e) {
  return {e.step,
          e.actor,
          e.op,
          e.object,
          e.field,
          exec.describe(e.object, e.field),
          std::string(e.label),
          e.order == Event::kNoOrder ? std::string() : std::string(model::to_string(static_cast<model::Order>(e.order))),
          e.rf};
}

ExecutionRecord record_of(const Execution& exec, uint64_t index) {
  ExecutionRecord r;
  r.index = index;
  r.steps = exec.steps();
  r.verdict = exec.verdict();
  for (const auto& a : exec.actors()) r.actors.push_back({a.name, a.ctx.cpu, a.ctx.kind});
  r.decisions = exec.decisions();
  r.events.reserve(exec.events().size());
  for (const Event& e : exec.events()) {
    r.events.push_back(record_event(exec, e));
  }
  return r;
}

std::string first_event_difference(const std::vector<RecordedEvent>& expected,
                                   const std::vector<RecordedEvent>& actual) {
  const std::size_t n = std::min(expected.size(), actual.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(expected[i] == actual[i])) {
      return "event " + std::to_string(i) + " (step " + std::to_string(expected[i].step) +
             "): recorded '" + std::string(model::to_string(expected[i].op)) + " " +
             expected[i].object_text + " in " + expected[i].label + "' by actor " +
             std::to_string(expected[i].actor) + ", now '" +
             std::string(model::to_string(actual[i].op)) + " " + actual[i].object_text + " in " +
             actual[i].label + "' by actor " + std::to_string(actual[i].actor);
    }
  }
  if (expected.size() != actual.size()) {
    return "recorded " + std::to_string(expected.size()) + " events, now " +
           std::to_string(actual.size());
  }
  return {};
}

namespace {

std::vector<Observer*> raw(const std::vector<std::unique_ptr<Observer>>& owned) {
  std::vector<Observer*> out;
  for (const auto& o : owned) out.push_back(o.get());
  return out;
}

bool same_verdict(const Verdict& a, const Verdict& b) {
  return a.kind == b.kind && a.property == b.property && a.message == b.message;
}

}  // namespace

ExecutionRecord replay_decisions(const RunRequest& request, const ExecutionRecord& recorded,
                                 std::vector<std::unique_ptr<Observer>> extra, Engine* shared) {
  std::optional<Engine> own;
  if (shared == nullptr) own.emplace(request.config);
  Engine& engine = shared != nullptr ? *shared : *own;
  engine.execution().set_record_events(true);
  auto owned = request.observers ? request.observers() : std::vector<std::unique_ptr<Observer>>{};
  for (auto& o : extra) owned.push_back(std::move(o));
  auto observers = raw(owned);
  auto strategy = make_replay_strategy(recorded.decisions);
  engine.run(*request.scenario, request.params, *strategy, observers, recorded.index);
  return record_of(engine.execution(), recorded.index);
}

namespace {

// What one worker found. The failure is the lowest-index failing execution it ran.
struct WorkerResult {
  RunReport report;
};

// The execution indices a worker runs: every `stride`-th index from `start`, below `end`.
struct IndexRange {
  uint64_t start;
  uint64_t stride;
  uint64_t end;
};

// Runs executions in `range` until the range ends, an execution fails, the time budget is used
// up, or another worker has found a failure at a lower index (`best`, may be null).
// Executions and steps of every worker, for the progress line.
struct Totals {
  std::atomic<uint64_t> executions{0};
  std::atomic<uint64_t> steps{0};
};

// A part that had explored everything when its run stopped: its counts, and nothing to run.
RunReport exhausted_part(const PartCheckpoint& from, Split split, PartCheckpoint* save_to) {
  RunReport report;
  report.split = split;
  report.stop_reason = "space exhausted";
  report.executions = from.executions;
  report.seconds = from.seconds;
  report.metrics = from.metrics;
  report.probe_hits = from.probe_hits;
  report.known_hits = from.known_hits;
  *save_to = from;
  return report;
}

// Puts the part back where an earlier run left it: the strategy's place, the counts so far, and
// the range from its next execution on.
void resume_part(const PartCheckpoint& from, Strategy& strategy, Engine& engine, RunReport& report, Totals& totals,
                 IndexRange& range) {
  if (std::string err = strategy.restore(from.state); !err.empty()) {
    throw std::invalid_argument("the checkpoint's search state does not fit: " + err);
  }
  if (from.next_index < range.start) {
    throw std::invalid_argument("the checkpoint's next execution " + std::to_string(from.next_index) +
                                " is before this run's first");
  }
  range.start = from.next_index;  // past the end (a smaller budget): nothing more runs
  report.executions = from.executions;
  report.metrics = from.metrics;
  report.known_hits = from.known_hits;
  engine.execution().set_probe_hits(from.probe_hits);
  totals.executions.fetch_add(from.executions, std::memory_order_relaxed);
  totals.steps.fetch_add(from.metrics.steps, std::memory_order_relaxed);
}

// `from`: the part's place when an earlier run stopped (may be null); `save_to`: where this run
// leaves its place when it stops without a failure (tree searches).
RunReport explore_range(const RunRequest& request, IndexRange range, Split split, std::atomic<uint64_t>* best,
                        bool report_progress, Totals& totals, const PartCheckpoint* from, PartCheckpoint* save_to) {
  const Config& config = request.config;
  if (from != nullptr && from->exhausted) return exhausted_part(*from, split, save_to);
  RunReport report;
  report.split = split;
  auto base = make_strategy(config.strategy, config.seed, static_cast<uint32_t>(config.pct_depth),
                            config.preemption_bound, split);
  if (!base) throw std::invalid_argument("unknown strategy '" + config.strategy + "'");
  std::unique_ptr<Strategy> strategy = make_metrics_strategy(std::move(base), report.metrics);
  if (config.determinism_check_every > 0) strategy = make_determinism_check(std::move(strategy));

  Engine engine(config);
  if (from != nullptr) resume_part(*from, *strategy, engine, report, totals, range);
  bool check_restored = from != nullptr;  // the first execution after a restore must follow its prefix
  auto owned = request.observers ? request.observers() : std::vector<std::unique_ptr<Observer>>{};
  auto observers = raw(owned);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_progress = start;
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  report.stop_reason = "executions_max";
  uint64_t n = 0;
  uint64_t index = range.start;
  for (; index < range.end; index += range.stride, ++n) {
    if (best != nullptr && index > best->load()) {
      report.stop_reason = "failure";  // another worker failed earlier: its finding wins
      break;
    }
    if ((request.interrupted != nullptr && request.interrupted->load()) ||
        (request.interrupt_after > 0 && n >= request.interrupt_after)) {
      report.stop_reason = "interrupted";
      report.resume_index = index;
      break;
    }
    if ((n & 63) == 0) {
      const auto now = Clock::now();
      if (config.seconds_max > 0 && elapsed() >= static_cast<double>(config.seconds_max)) {
        report.stop_reason = "seconds_max";
        break;
      }
      if (report_progress && request.progress && now - last_progress > std::chrono::milliseconds(500)) {
        last_progress = now;
        request.progress({totals.executions.load(std::memory_order_relaxed),
                          totals.steps.load(std::memory_order_relaxed), elapsed(),
                          engine.execution().probe_hits().size(), strategy->explored_fraction()});
      }
    }
    engine.execution().set_record_events(false);
    const Verdict& verdict = engine.run(*request.scenario, request.params, *strategy, observers, index);
    if (check_restored && verdict.kind == VerdictKind::kDivergence) {
      throw std::invalid_argument("the checkpoint does not fit scenario " + std::string(request.scenario->name()) +
                                  " as this command runs it: " + verdict.message);
    }
    check_restored = false;
    if (!strategy->owns_execution()) {
      // Another part's execution of a split search: run only to reach this part's subtrees.
      if (!engine.execution().strategy_has_more()) {
        report.stop_reason = "space exhausted";
        break;
      }
      continue;
    }
    ++report.executions;
    totals.executions.fetch_add(1, std::memory_order_relaxed);
    totals.steps.fetch_add(engine.execution().steps(), std::memory_order_relaxed);
    const bool repeat = config.determinism_check_every > 0 && index % config.determinism_check_every == 0;
    if (repeat && verdict.kind != VerdictKind::kDivergence) {
      // The repeat checks the execution; it is not one more: its steps and probe hits are not counted.
      const Metrics counted = report.metrics;
      auto hits = engine.execution().probe_hits();
      engine.run(*request.scenario, request.params, *strategy, observers, index);
      report.metrics = counted;
      engine.execution().set_probe_hits(std::move(hits));
    }
    const Verdict& v = engine.execution().verdict();
    const KnownFinding* known = nullptr;
    for (const KnownFinding& k : request.known) {
      if (k.matches(v)) known = &k;
    }
    if (known != nullptr) {
      KnownHit& hit = report.known_hits[known->name];
      if (hit.count++ == 0) hit.first_index = index;
    }
    if (v.kind == VerdictKind::kPass || v.kind == VerdictKind::kPruned || known != nullptr) {
      if (!engine.execution().strategy_has_more()) {
        report.stop_reason = "space exhausted";
        break;
      }
      continue;
    }
    report.stop_reason = "failure";
    if (best != nullptr) {
      uint64_t seen = best->load();
      while (index < seen && !best->compare_exchange_weak(seen, index)) {
      }
    }
    if (v.kind == VerdictKind::kDivergence) {
      report.outcome = Outcome::kNondeterminism;
      report.nondeterminism = v.message;
      report.failure = record_of(engine.execution(), index);
      break;
    }
    report.outcome = v.kind == VerdictKind::kLimit ? Outcome::kLimit : Outcome::kViolation;
    report.failure = record_of(engine.execution(), index);  // decisions and verdict; no events
    // Replay the failure twice with events on: the trace gets its events, and the same decisions
    // must give the same verdict and the same events each time, or the model is not
    // deterministic and the trace would lie.
    auto hits = engine.execution().probe_hits();  // the replays are not executions of the run
    ExecutionRecord first = replay_decisions(request, *report.failure, {}, &engine);
    ExecutionRecord second = replay_decisions(request, *report.failure, {}, &engine);
    engine.execution().set_probe_hits(std::move(hits));
    std::string diff = first_event_difference(first.events, second.events);
    if (diff.empty() && !same_verdict(report.failure->verdict, first.verdict)) {
      diff = "verdict '" + report.failure->verdict.message + "' became '" + first.verdict.message + "'";
    }
    if (diff.empty() && !same_verdict(first.verdict, second.verdict)) {
      diff = "verdict '" + first.verdict.message + "' became '" + second.verdict.message + "'";
    }
    report.failure = std::move(first);
    if (!diff.empty()) {
      report.outcome = Outcome::kNondeterminism;
      report.nondeterminism = "replaying execution " + std::to_string(index) + ": " + diff;
    }
    break;
  }
  report.seconds = elapsed() + (from != nullptr ? from->seconds : 0);
  report.explored_fraction = strategy->explored_fraction();
  report.probe_hits = engine.execution().probe_hits();
  if (save_to != nullptr && !report.failure && resumes_from_checkpoint(config.strategy)) {
    *save_to = {index, report.stop_reason == "space exhausted", strategy->save(), report.executions,
                report.seconds, report.metrics, report.probe_hits, report.known_hits};
  }
  return report;
}

void add_metrics(Metrics& into, const Metrics& m) {
  into.executions += m.executions;
  into.choices += m.choices;
  into.context_switches += m.context_switches;
  into.draws += m.draws;
  into.steps += m.steps;
  into.steps_max_seen = std::max(into.steps_max_seen, m.steps_max_seen);
  into.pruned += m.pruned;
  into.foreign += m.foreign;
  into.actors_max_seen = std::max(into.actors_max_seen, m.actors_max_seen);
}

uint32_t ceil_log2(uint64_t n) {
  uint32_t log2 = 0;
  while ((uint64_t{1} << log2) < n && log2 < 32) ++log2;
  return log2;
}

}  // namespace

// 6 + 2 log2(parts), log2 rounded up. The first real choices lead to few, very unequal subtrees (on
// cachefill-protocol (2,1,2,1,2) at 2 parts: depth 4 deals 80/20, depth 8 52/48, for 1% more
// executions), so the split goes deeper than log2(parts).
uint32_t default_split_depth(uint64_t parts) { return 6 + 2 * ceil_log2(parts); }

// Part I + N w of N x jobs of the deepest level: a subtree's hash is I modulo N exactly when it is
// I + N w modulo N x jobs for some w, so a shard explores the same subtrees whatever its number
// of jobs.
Split split_of(const RunRequest& request, uint64_t w) {
  const Config& config = request.config;
  if (!splits_by_prefix(config.strategy)) {
    if (!request.shard_below.empty()) {
      throw std::invalid_argument("a part of a part (--shard I/N:J/M) applies to dfs and dpor, not " + config.strategy);
    }
    return {};
  }
  if (request.shard_below.empty() && config.shard_count * config.jobs == 1 && request.split_depth == 0) return {};
  std::vector<SplitLevel> levels{{config.shard_index, config.shard_count, request.split_depth}};
  levels.insert(levels.end(), request.shard_below.begin(), request.shard_below.end());
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (levels[k].count < 2 || levels[k].index >= levels[k].count) {
      throw std::invalid_argument("part " + std::to_string(levels[k].index) + "/" + std::to_string(levels[k].count) +
                                  " of a part: needs 0 <= J < M and M >= 2");
    }
  }
  SplitLevel& last = levels.back();
  last.index += last.count * w;
  last.count *= config.jobs;
  if (levels[0].depth == 0) levels[0].depth = default_split_depth(levels[0].count);
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (levels[k].depth == 0) levels[k].depth = levels[k - 1].depth + 2 * ceil_log2(levels[k].count);
    if (levels[k].depth <= levels[k - 1].depth) {
      throw std::invalid_argument("split depths " + Split(levels).depth_text() +
                                  ": each part of a part is cut deeper than the part above");
    }
  }
  return Split(std::move(levels));
}

RunReport run(const RunRequest& request) {
  if (request.scenario == nullptr) throw std::invalid_argument("no scenario");
  if (auto err = validate(request.config)) throw std::invalid_argument(*err);
  const Config& config = request.config;
  (void)split_of(request, 0);  // a bad split is refused before anything runs
  // This shard's indices in [execution_first, execution_first + executions_max). A split tree
  // search numbers each part's executions from execution_first: its shards split the tree instead.
  const bool tree = splits_by_prefix(config.strategy);
  const uint64_t first = config.execution_first;
  const uint64_t end = first + config.executions_max;
  const uint64_t stride = tree ? 1 : config.shard_count;
  uint64_t shard_start =
      tree ? first : first + (config.shard_index + config.shard_count - first % config.shard_count) % config.shard_count;
  RunReport report;
  Totals totals;
  const std::vector<PartCheckpoint>* resume = request.resume;
  if (resume != nullptr && !resumes_from_checkpoint(config.strategy)) {
    throw std::invalid_argument(config.strategy + " does not resume from a checkpoint (it resumes by execution index)");
  }
  if (resume != nullptr && resume->size() != config.jobs) {
    throw std::invalid_argument("the checkpoint holds " + std::to_string(resume->size()) + " parts, one per job, not " +
                                std::to_string(config.jobs));
  }
  auto part_of = [resume](uint64_t w) { return resume != nullptr ? &(*resume)[w] : nullptr; };
  std::vector<PartCheckpoint> saved(config.jobs);
  if (config.jobs <= 1) {
    report = explore_range(request, {shard_start, stride, end}, split_of(request, 0), nullptr, true, totals, part_of(0),
                           &saved[0]);
  } else {
    // Each worker takes every jobs-th index of the shard. Picks of index-seeded strategies do not
    // depend on what ran before, so the lowest failing index, the finding, does not depend on the
    // number of workers.
    std::atomic<uint64_t> best{UINT64_MAX};
    std::vector<RunReport> parts(config.jobs);
    std::vector<std::exception_ptr> errors(config.jobs);
    std::vector<std::thread> workers;
    for (uint64_t w = 0; w < config.jobs; ++w) {
      workers.emplace_back([&, w] {
        try {
          const IndexRange range = tree ? IndexRange{first, 1, end}
                                        : IndexRange{shard_start + w * config.shard_count, config.jobs * config.shard_count, end};
          parts[w] = explore_range(request, range, split_of(request, w), &best, w == 0, totals, part_of(w), &saved[w]);
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    }
    for (auto& t : workers) t.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    // A split tree search is exhausted only when every part is.
    bool exhausted = tree;
    for (const RunReport& p : parts) exhausted = exhausted && p.stop_reason == "space exhausted";
    report.stop_reason = exhausted ? "space exhausted" : "executions_max";
    report.resume_index = UINT64_MAX;
    report.split = split_of(request, 0);  // worker 0's part is the shard's index, at its jobs' depth
    if (!report.split.levels.empty()) report.split.levels.back().count /= config.jobs;
    for (RunReport& p : parts) {
      if (p.stop_reason == "interrupted") {
        report.stop_reason = "interrupted";
        report.resume_index = std::min(report.resume_index, p.resume_index);
      }
      report.executions += p.executions;
      report.seconds = std::max(report.seconds, p.seconds);
      add_metrics(report.metrics, p.metrics);
      for (const auto& [name, count] : p.probe_hits) report.probe_hits[name] += count;
      for (const auto& [name, hit] : p.known_hits) {
        KnownHit& into = report.known_hits[name];
        into.first_index = into.count == 0 ? hit.first_index : std::min(into.first_index, hit.first_index);
        into.count += hit.count;
      }
      if (p.stop_reason == "seconds_max" && !report.failure && report.stop_reason != "interrupted") {
        report.stop_reason = "seconds_max";
      }
      if (p.failure && (!report.failure || p.failure->index < report.failure->index)) {
        report.failure = std::move(p.failure);
        report.outcome = p.outcome;
        report.nondeterminism = p.nondeterminism;
        report.stop_reason = "failure";
        report.split = p.split;
      }
    }
  }
  for (std::string_view p : request.scenario->probes()) {
    if (report.probe_hits.find(p) == report.probe_hits.end()) report.probes_never_hit.emplace_back(p);
  }
  // Every tree search that ends without a finding has a place to go on from: a signal's, its
  // budget's, or the end of the space (then a resumed run reports it at once).
  if (!report.failure && resumes_from_checkpoint(config.strategy)) {
    report.checkpoint = std::move(saved);
  }
  return report;
}

}  // namespace lsmc::sim
