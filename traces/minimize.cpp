#include "traces/minimize.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "traces/replay.hpp"

namespace lsmc::traces {

namespace {

// "use-after-free on bpf_local_storage_elem": what must stay the same while shrinking.
struct FailureKey {
  std::string property;
  std::string object_type;  // the first "type#id" the verdict message names, or empty
  bool operator==(const FailureKey&) const = default;
};

FailureKey key_of(const sim::Verdict& v) {
  FailureKey k{v.property, {}};
  const std::string& m = v.message;
  for (std::size_t hash = m.find('#'); hash != std::string::npos; hash = m.find('#', hash + 1)) {
    if (hash + 1 >= m.size() || !std::isdigit(static_cast<unsigned char>(m[hash + 1]))) continue;
    std::size_t start = hash;
    while (start > 0 && !std::isspace(static_cast<unsigned char>(m[start - 1])) && m[start - 1] != '\'') --start;
    k.object_type = m.substr(start, hash - start);
    break;
  }
  return k;
}

bool fails_like(const sim::Verdict& v, const FailureKey& want) {
  return v.kind == sim::VerdictKind::kViolation && key_of(v) == want;
}

class Minimizer {
public:
  Minimizer(const sim::Catalog& catalog, const sim::ObserverFactory& observers, const MinimizeOptions& o)
      : catalog_(catalog), observers_(observers), options_(o) {}

  MinimizeResult run(const Trace& original) {
    MinimizeResult result;
    result.before = size_of(original);
    sim::RunRequest req = request_for(original, catalog_, observers_);
    const sim::ExecutionRecord first = guided(req, original.record, {});
    if (!fails_like(first.verdict, key_of(original.record.verdict)) ||
        original.record.verdict.kind != sim::VerdictKind::kViolation) {
      throw TraceError("the trace does not fail as recorded on this lsmc ('" + first.verdict.message +
                       "'): replay it to see where it diverges");
    }
    want_ = key_of(original.record.verdict);
    Trace best = original;
    best.record = first;
    if (options_.scenario) best = shrink_scenario(best);
    best = shrink_schedule(best);
    result.minimized = best;
    result.minimized.lsmc_version = std::string(lsmc_version());
    result.after = size_of(result.minimized);
    result.runs = runs_;
    result.interrupted = stopped();
    return result;
  }

private:
  bool stopped() const { return options_.interrupted != nullptr && options_.interrupted->load(); }

  sim::ExecutionRecord guided(const sim::RunRequest& req, const sim::ExecutionRecord& record,
                              std::vector<bool> keep) {
    ++runs_;
    sim::Engine& engine = engine_for(req.config);
    engine.execution().set_record_events(true);
    auto owned = req.observers ? req.observers() : std::vector<std::unique_ptr<sim::Observer>>{};
    std::vector<sim::Observer*> raw;
    for (auto& o : owned) raw.push_back(o.get());
    auto strategy = sim::make_guided_strategy(record.decisions, std::move(keep));
    engine.run(*req.scenario, req.params, *strategy, raw, record.index);
    return sim::record_of(engine.execution(), record.index);
  }

  sim::Engine& engine_for(const sim::Config& config) {
    if (!engine_) engine_.emplace(config);
    return *engine_;
  }

  // Smaller parameter values, smallest first: the minimum, the value without its last digit,
  // without any one digit (programs written as digits), and one less.
  static std::vector<int64_t> smaller(const sim::ParamSpec& spec, int64_t v) {
    std::set<int64_t> out{spec.min, v / 10, v - 1};
    const std::string digits = std::to_string(v);
    for (std::size_t i = 0; digits.size() > 1 && i < digits.size(); ++i) {
      std::string d = digits;
      d.erase(i, 1);
      out.insert(std::stoll(d));
    }
    std::vector<int64_t> r;
    for (int64_t c : out) {
      if (c >= spec.min && c < v) r.push_back(c);
    }
    return r;
  }

  Trace shrink_scenario(Trace best) {
    const sim::Scenario& scenario = *catalog_.find(best.scenario);
    for (bool changed = true; changed && !stopped();) {
      changed = false;
      for (const sim::ParamSpec& spec : scenario.params()) {
        if (spec.selects_variant || stopped()) continue;
        const int64_t now = best.params.at(std::string(spec.name));
        for (int64_t candidate : smaller(spec, now)) {
          if (stopped()) break;
          Trace t = best;
          t.params[std::string(spec.name)] = candidate;
          if (auto found = explore(t)) {
            best = *found;
            changed = true;
            break;
          }
        }
      }
    }
    return best;
  }

  // Explores a smaller scenario with the default strategy; a failure like ours becomes the trace.
  std::optional<Trace> explore(const Trace& t) {
    sim::RunRequest req = request_for(t, catalog_, observers_);
    req.config.strategy = "portfolio";
    req.config.execution_first = 0;
    req.config.executions_max = options_.search_executions;
    req.config.jobs = 1;
    req.config.shard_index = 0;
    req.config.shard_count = 1;
    req.interrupted = options_.interrupted;
    engine_.reset();  // one Engine per thread: sim::run makes its own
    sim::RunReport report = sim::run(req);
    runs_ += report.executions;
    if (!report.failure || !fails_like(report.failure->verdict, want_)) return std::nullopt;
    Trace found = t;
    found.config = req.config;
    found.config.execution_first = report.failure->index;
    found.config.executions_max = 1;
    found.record = *report.failure;
    return found;
  }

  // ddmin over the decisions kept; each test replays the list with the others made defaults.
  Trace shrink_schedule(Trace best) {
    const sim::RunRequest req = request_for(best, catalog_, observers_);
    const std::size_t n = best.record.decisions.size();
    auto test = [&](const std::vector<std::size_t>& kept) {
      std::vector<bool> keep(n, false);
      for (std::size_t i : kept) keep[i] = true;
      return fails_like(guided(req, best.record, keep).verdict, want_);
    };
    std::vector<std::size_t> kept(n);
    for (std::size_t i = 0; i < n; ++i) kept[i] = i;
    if (test({})) {
      kept.clear();
    } else {
      std::size_t parts = 2;
      while (kept.size() >= 2 && !stopped()) {
        const std::size_t chunk = (kept.size() + parts - 1) / parts;
        bool reduced = false;
        for (std::size_t start = 0; start < kept.size() && !reduced && !stopped(); start += chunk) {
          std::vector<std::size_t> complement;
          for (std::size_t i = 0; i < kept.size(); ++i) {
            if (i < start || i >= start + chunk) complement.push_back(kept[i]);
          }
          if (test(complement)) {
            kept = std::move(complement);
            parts = std::max<std::size_t>(parts - 1, 2);
            reduced = true;
          }
        }
        if (reduced) continue;
        if (parts >= kept.size()) break;
        parts = std::min(parts * 2, kept.size());
      }
    }
    std::vector<bool> keep(n, false);
    for (std::size_t i : kept) keep[i] = true;
    sim::ExecutionRecord smallest = guided(req, best.record, keep);
    smallest.index = best.record.index;
    best.record = std::move(smallest);
    return best;
  }

  const sim::Catalog& catalog_;
  const sim::ObserverFactory& observers_;
  MinimizeOptions options_;
  FailureKey want_;
  uint64_t runs_ = 0;
  std::optional<sim::Engine> engine_;
};

}  // namespace

TraceSize size_of(const Trace& trace) {
  TraceSize s;
  s.params = trace.params;
  s.decisions = trace.record.decisions.size();
  s.steps = trace.record.steps;
  s.events = trace.record.events.size();
  std::set<sim::ActorId> actors;
  sim::ActorId last = sim::kNoActor;
  for (const sim::RecordedEvent& e : trace.record.events) {
    actors.insert(e.actor);
    if (last != sim::kNoActor && e.actor != last) ++s.switches;
    last = e.actor;
  }
  s.actors = actors.size();
  // The running actor at a decision is the one whose event came last before it.
  std::size_t e = 0;
  sim::ActorId running = sim::kNoActor;
  for (const sim::Decision& d : trace.record.decisions) {
    if (d.kind == sim::Decision::Kind::kDraw) {
      s.choices += d.value != 0;
      continue;
    }
    while (e < trace.record.events.size() && trace.record.events[e].step < d.step) running = trace.record.events[e++].actor;
    s.choices += running != sim::kNoActor && d.value != running;
  }
  return s;
}

std::string describe(const TraceSize& before, const TraceSize& after) {
  std::ostringstream o;
  auto row = [&](const char* what, uint64_t a, uint64_t b) { o << "  " << what << ": " << a << " -> " << b << "\n"; };
  std::string pb, pa;
  for (const auto& [k, v] : before.params) pb += (pb.empty() ? "" : " ") + k + "=" + std::to_string(v);
  for (const auto& [k, v] : after.params) pa += (pa.empty() ? "" : " ") + k + "=" + std::to_string(v);
  if (pb != pa) o << "  params: " << pb << " -> " << pa << "\n";
  row("actors with events", before.actors, after.actors);
  row("decisions", before.decisions, after.decisions);
  row("choices other than the default", before.choices, after.choices);
  row("context switches", before.switches, after.switches);
  row("steps", before.steps, after.steps);
  row("events", before.events, after.events);
  return o.str();
}

MinimizeResult minimize(const Trace& trace, const sim::Catalog& catalog, const sim::ObserverFactory& observers,
                        const MinimizeOptions& options) {
  return Minimizer(catalog, observers, options).run(trace);
}

}  // namespace lsmc::traces
