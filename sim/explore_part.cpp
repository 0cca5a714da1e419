// One part of a run: executions over an index range, one strategy (sim/explore_part.hpp).
#include "sim/explore_part.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace lsmc::sim {

// A part that had explored everything when its run stopped: its counts, and nothing to run.
namespace {

std::vector<Observer*> raw(const std::vector<std::unique_ptr<Observer>>& owned) {
  std::vector<Observer*> out;
  for (const auto& o : owned) out.push_back(o.get());
  return out;
}

bool same_verdict(const Verdict& a, const Verdict& b) {
  return a.kind == b.kind && a.property == b.property && a.message == b.message;
}

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

}  // namespace

RunReport explore_range(const RunRequest& request, IndexRange range, Split split, std::atomic<uint64_t>* best,
                        bool report_progress, Totals& totals, const PartCheckpoint* from, PartCheckpoint* save_to,
                        uint64_t resplit_after, double seconds_before) {
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
    if (report.executions >= resplit_after) {
      report.stop_reason = "resplit";  // too large: its parts take over (resplit.cpp)
      report.resume_index = index;
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
      if (config.seconds_max > 0 && seconds_before + elapsed() >= static_cast<double>(config.seconds_max)) {
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
    PartCheckpoint& c = *save_to;
    c.next_index = index;
    c.exhausted = report.stop_reason == "space exhausted";
    c.state = strategy->save();
    c.executions = report.executions;
    c.seconds = report.seconds;
    c.metrics = report.metrics;
    c.probe_hits = report.probe_hits;
    c.known_hits = report.known_hits;
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

}  // namespace lsmc::sim
