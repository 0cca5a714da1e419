// Strategy decorators: metrics and the determinism check (style.md, from FoundationDB and
// Relacy: determinism is checked, not assumed).
#include <algorithm>

#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class MetricsStrategy final : public Strategy {
public:
  MetricsStrategy(std::unique_ptr<Strategy> inner, Metrics& out)
      : inner_(std::move(inner)), m_(out) {}
  std::string_view name() const override { return inner_->name(); }
  void begin_execution(uint64_t index) override {
    cur_ = {};
    inner_->begin_execution(index);
  }
  ActorId pick(const ChoicePoint& point) override {
    ActorId a = inner_->pick(point);
    if (point.pending.size() > cur_.actors_max_seen) cur_.actors_max_seen = point.pending.size();
    if (point.enabled.size() < 2) return a;  // a forced step, shown to a strategy that sees all
    ++cur_.choices;
    if (a != point.current) ++cur_.context_switches;
    return a;
  }
  uint64_t draw(uint64_t bound, std::string_view label) override {
    ++cur_.draws;
    return inner_->draw(bound, label);
  }
  // Counted once the strategy says whose the execution was (Strategy::owns_execution).
  bool end_execution(const ExecutionSummary& s) override {
    const bool more = inner_->end_execution(s);
    if (!inner_->owns_execution()) {
      ++m_.foreign;
      return more;
    }
    ++m_.executions;
    if (s.verdict != nullptr && s.verdict->kind == VerdictKind::kPruned) ++m_.pruned;
    m_.steps += s.steps;
    m_.steps_max_seen = std::max(m_.steps_max_seen, s.steps);
    m_.choices += cur_.choices;
    m_.context_switches += cur_.context_switches;
    m_.draws += cur_.draws;
    m_.actors_max_seen = std::max(m_.actors_max_seen, cur_.actors_max_seen);
    return more;
  }
  std::string divergence() const override { return inner_->divergence(); }
  bool sees_every_step() const override { return inner_->sees_every_step(); }
  double explored_fraction() const override { return inner_->explored_fraction(); }
  bool owns_execution() const override { return inner_->owns_execution(); }
  std::string save() const override { return inner_->save(); }
  std::string restore(std::string_view state) override { return inner_->restore(state); }

private:
  std::unique_ptr<Strategy> inner_;
  Metrics& m_;
  Metrics cur_;  // this execution's choices, switches, draws and actors
};

class DeterminismCheck final : public Strategy {
public:
  explicit DeterminismCheck(std::unique_ptr<Strategy> inner) : inner_(std::move(inner)) {}
  std::string_view name() const override { return inner_->name(); }
  void begin_execution(uint64_t index) override {
    index_ = index;
    hash_ = 0xcbf29ce484222325ULL;
    inner_->begin_execution(index);
  }
  ActorId pick(const ChoicePoint& point) override {
    mix(point.step);
    mix(point.current);
    for (ActorId a : point.enabled) {
      mix(a);
      const Pending& p = point.pending[a];
      mix(p.access.object);
      mix(p.access.field);
      mix(static_cast<uint64_t>(p.access.op));
    }
    ActorId chosen = inner_->pick(point);
    mix(chosen);
    return chosen;
  }
  uint64_t draw(uint64_t bound, std::string_view label) override {
    uint64_t v = inner_->draw(bound, label);
    mix(bound);
    mix(v);
    return v;
  }
  bool end_execution(const ExecutionSummary& s) override {
    mix(s.steps);
    if (s.verdict != nullptr) mix(static_cast<uint64_t>(s.verdict->kind));
    // The runner repeats an execution right after its first run, so the last hash suffices.
    const bool repeat = have_last_ && last_index_ == index_;
    if (repeat && last_hash_ != hash_) {
      failure_ = "execution " + std::to_string(index_) +
                 " is not deterministic: a second run with the same decisions saw different "
                 "choice points";
    }
    have_last_ = true;
    last_index_ = index_;
    last_hash_ = hash_;
    return inner_->end_execution(s);
  }
  std::string divergence() const override {
    return failure_.empty() ? inner_->divergence() : failure_;
  }
  bool sees_every_step() const override { return inner_->sees_every_step(); }
  double explored_fraction() const override { return inner_->explored_fraction(); }
  bool owns_execution() const override { return inner_->owns_execution(); }
  std::string save() const override { return inner_->save(); }
  std::string restore(std::string_view state) override { return inner_->restore(state); }

private:
  void mix(uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xff;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::unique_ptr<Strategy> inner_;
  bool have_last_ = false;
  uint64_t last_index_ = 0;
  uint64_t last_hash_ = 0;
  uint64_t index_ = 0;
  uint64_t hash_ = 0;
  std::string failure_;
};

}  // namespace

std::unique_ptr<Strategy> make_metrics_strategy(std::unique_ptr<Strategy> inner, Metrics& out) {
  return std::make_unique<MetricsStrategy>(std::move(inner), out);
}

std::unique_ptr<Strategy> make_determinism_check(std::unique_ptr<Strategy> inner) {
  return std::make_unique<DeterminismCheck>(std::move(inner));
}

}  // namespace lsmc::sim
