#include "traces/replay.hpp"

#include <map>

namespace lsmc::traces {

namespace {

// Compares each event, as it happens, with the recorded one at the same position; at the first
// difference it ends the execution as a divergence naming the step and both events.
class EventComparator final : public sim::Observer {
public:
  explicit EventComparator(const std::vector<sim::RecordedEvent>& expected) : expected_(expected) {}
  void on_begin(sim::Execution&) override { next_ = 0; }
  void on_event(sim::Execution& exec, const sim::Event& e) override {
    const sim::RecordedEvent now = sim::record_event(exec, e);
    if (next_ >= expected_.size()) {
      exec.abort_with({sim::VerdictKind::kDivergence, "replay",
                       "step " + std::to_string(e.step) + ": the trace has no event left, but " +
                           show(exec, now) + " happens now",
                       e.step, e.actor});
    }
    const sim::RecordedEvent& then = expected_[next_++];
    if (!(then == now)) {
      exec.abort_with({sim::VerdictKind::kDivergence, "replay",
                       "step " + std::to_string(then.step) + ": recorded " + show(exec, then) +
                           "; now " + show(exec, now),
                       e.step, e.actor});
    }
  }

private:
  static std::string show(const sim::Execution& exec, const sim::RecordedEvent& e) {
    const std::string who =
        e.actor < exec.actors().size() ? exec.actors()[e.actor].name : std::to_string(e.actor);
    return "[step " + std::to_string(e.step) + " " + who + " " + std::string(model::to_string(e.op)) +
           " " + e.object_text + (e.rf > 0 ? " reading step " + std::to_string(e.rf) : e.rf == 0 ? " reading the initial value" : "") +
           " in " + e.label + "]";
  }
  const std::vector<sim::RecordedEvent>& expected_;
  std::size_t next_ = 0;
};

bool same_verdict(const sim::Verdict& a, const sim::Verdict& b) {
  return a.kind == b.kind && a.property == b.property && a.message == b.message;
}

}  // namespace

sim::RunRequest request_for(const Trace& trace, const sim::Catalog& catalog,
                            const sim::ObserverFactory& observers) {
  sim::RunRequest req;
  req.scenario = catalog.find(trace.scenario);
  if (req.scenario == nullptr) {
    throw TraceError("the trace names scenario '" + trace.scenario + "', which this lsmc does not know");
  }
  if (!trace.config.mutant.empty() && catalog.find_mutant(trace.config.mutant) == nullptr) {
    throw TraceError("the trace names mutant '" + trace.config.mutant + "', which this lsmc does not know");
  }
  if (auto err = sim::resolve_params(*req.scenario, trace.params, req.params)) throw TraceError(*err);
  if (auto err = sim::validate(trace.config)) throw TraceError(*err);
  req.config = trace.config;
  req.observers = observers;
  return req;
}

ReplayResult replay(const Trace& trace, const sim::Catalog& catalog,
                    const sim::ObserverFactory& observers) {
  const sim::RunRequest req = request_for(trace, catalog, observers);
  std::vector<std::unique_ptr<sim::Observer>> extra;
  extra.push_back(std::make_unique<EventComparator>(trace.record.events));
  ReplayResult result;
  result.record = sim::replay_decisions(req, trace.record, std::move(extra));
  const sim::Verdict& now = result.record.verdict;
  if (now.kind == sim::VerdictKind::kDivergence) {
    result.status = ReplayStatus::kDiverged;
    result.message = now.message;
  } else if (result.record.actors != trace.record.actors) {
    result.status = ReplayStatus::kDiverged;
    result.message = "the scenario now builds different actors than the trace records";
  } else if (!same_verdict(now, trace.record.verdict)) {
    result.status = ReplayStatus::kDiverged;
    result.message = "same events, but the verdict was '" + std::string(sim::to_string(trace.record.verdict.kind)) +
                     ": " + trace.record.verdict.message + "' and is now '" +
                     std::string(sim::to_string(now.kind)) + ": " + now.message + "'";
  } else {
    result.status = ReplayStatus::kReproduced;
  }
  return result;
}

}  // namespace lsmc::traces
