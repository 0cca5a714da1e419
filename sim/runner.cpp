#include "sim/runner.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <stdexcept>
#include <thread>

#include "sim/explore_part.hpp"
#include "sim/resplit.hpp"

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

Split split_of(const RunRequest& request) {
  const Config& config = request.config;
  if (!splits_by_prefix(config.strategy)) {
    if (!request.shard_below.empty()) {
      throw std::invalid_argument("a part of a part (--shard I/N:J/M) applies to dfs and dpor, not " + config.strategy);
    }
    return {};
  }
  if (request.shard_below.empty() && config.shard_count == 1 && request.split_depth == 0) return {};
  std::vector<SplitLevel> levels{{config.shard_index, config.shard_count, request.split_depth}};
  levels.insert(levels.end(), request.shard_below.begin(), request.shard_below.end());
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (levels[k].count < 2 || levels[k].index >= levels[k].count) {
      throw std::invalid_argument("part " + std::to_string(levels[k].index) + "/" + std::to_string(levels[k].count) +
                                  " of a part: needs 0 <= J < M and M >= 2");
    }
  }
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

namespace {

// --jobs N with an index-seeded strategy: each worker takes every jobs-th index of the shard. Picks
// of index-seeded strategies do not depend on what ran before, so the lowest failing index, the
// finding, does not depend on the number of workers.
RunReport run_indices(const RunRequest& request, uint64_t shard_start, uint64_t end, Totals& totals) {
  const Config& config = request.config;
  std::atomic<uint64_t> best{UINT64_MAX};
  std::vector<RunReport> parts(config.jobs);
  std::vector<std::exception_ptr> errors(config.jobs);
  std::vector<std::thread> workers;
  for (uint64_t w = 0; w < config.jobs; ++w) {
    workers.emplace_back([&, w] {
      try {
        const IndexRange range{shard_start + w * config.shard_count, config.jobs * config.shard_count, end};
        parts[w] = explore_range(request, range, {}, &best, w == 0, totals, nullptr, nullptr);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto& t : workers) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  RunReport report;
  report.stop_reason = "executions_max";
  report.resume_index = UINT64_MAX;
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
    }
  }
  return report;
}

}  // namespace

RunReport run(const RunRequest& request) {
  if (request.scenario == nullptr) throw std::invalid_argument("no scenario");
  if (auto err = validate(request.config)) throw std::invalid_argument(*err);
  const Config& config = request.config;
  const Split split = split_of(request);  // a bad split is refused before anything runs
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
  const bool resplits = tree && config.jobs > 1;
  if (resume != nullptr && !resplits && resume->size() != 1) {
    throw std::invalid_argument("the checkpoint holds " + std::to_string(resume->size()) + " parts, not one");
  }
  PartCheckpoint saved;
  if (resplits) {
    report = run_resplit(request, totals);
  } else if (config.jobs <= 1) {
    report = explore_range(request, {shard_start, stride, end}, split, nullptr, true, totals,
                           resume != nullptr ? &(*resume)[0] : nullptr, &saved);
    // Every tree search that ends without a finding has a place to go on from: a signal's, its
    // budget's, or the end of the space (then a resumed run reports it at once).
    if (!report.failure && resumes_from_checkpoint(config.strategy)) report.checkpoint = {std::move(saved)};
  } else {
    report = run_indices(request, shard_start, end, totals);
  }
  for (std::string_view p : request.scenario->probes()) {
    if (report.probe_hits.find(p) == report.probe_hits.end()) report.probes_never_hit.emplace_back(p);
  }
  return report;
}

}  // namespace lsmc::sim
