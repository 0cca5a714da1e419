// Replays a recorded decision list: the schedule is plain data (style.md, from shuttle).
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class ReplayStrategy final : public Strategy {
public:
  explicit ReplayStrategy(std::vector<Decision> decisions) : decisions_(std::move(decisions)) {}
  std::string_view name() const override { return "replay"; }
  void begin_execution(uint64_t) override {
    next_ = 0;
    divergence_.clear();
  }
  ActorId pick(const ChoicePoint& point) override {
    const Decision* d = take(Decision::Kind::kSchedule, point.step);
    if (d == nullptr) return kNoActor;
    for (ActorId a : point.enabled) {
      if (a == d->value) return a;
    }
    divergence_ = "decision " + std::to_string(next_ - 1) + " at step " +
                  std::to_string(point.step) + " chooses actor " + std::to_string(d->value) +
                  ", which is not enabled";
    return kNoActor;
  }
  uint64_t draw(uint64_t bound, std::string_view label) override {
    const Decision* d = take(Decision::Kind::kDraw, 0);
    if (d == nullptr) return UINT64_MAX;
    if (d->value >= bound) {
      divergence_ = "decision " + std::to_string(next_ - 1) + " draws " +
                    std::to_string(d->value) + " for '" + std::string(label) +
                    "', but the bound is now " + std::to_string(bound);
      return UINT64_MAX;
    }
    return d->value;
  }
  bool end_execution(const ExecutionSummary&) override {
    if (divergence_.empty() && next_ != decisions_.size()) {
      divergence_ = "the execution ended after " + std::to_string(next_) + " of " +
                    std::to_string(decisions_.size()) + " recorded decisions";
    }
    return false;
  }
  std::string divergence() const override { return divergence_; }

private:
  const Decision* take(Decision::Kind kind, uint64_t step) {
    if (next_ >= decisions_.size()) {
      divergence_ = "the trace has no decision left (" + std::to_string(decisions_.size()) +
                    " recorded) but the execution asks for another";
      return nullptr;
    }
    const Decision& d = decisions_[next_++];
    if (d.kind != kind) {
      divergence_ = "decision " + std::to_string(next_ - 1) + " is a " +
                    (d.kind == Decision::Kind::kDraw ? "draw" : "schedule") +
                    " but the execution asks for a " +
                    (kind == Decision::Kind::kDraw ? "draw" : "schedule");
      return nullptr;
    }
    if (kind == Decision::Kind::kSchedule && d.step != step) {
      divergence_ = "decision " + std::to_string(next_ - 1) + " was taken at step " +
                    std::to_string(d.step) + " but the execution now asks at step " +
                    std::to_string(step);
      return nullptr;
    }
    return &d;
  }

  std::vector<Decision> decisions_;
  std::size_t next_ = 0;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(std::vector<Decision> decisions) {
  return std::make_unique<ReplayStrategy>(std::move(decisions));
}

}  // namespace lsmc::sim

namespace lsmc::sim {

namespace {

// Follows a decision list where it can, and takes the least disruptive choice where the list
// says so (`keep[i]` false) or cannot be followed: stay on the current actor, else the recorded
// actor, else the lowest enabled; draw 0. Minimisation (traces/minimize.cpp) replays candidate
// lists with fewer kept decisions; the run records the decisions it really took, so the result
// replays strictly.
class GuidedStrategy final : public Strategy {
public:
  GuidedStrategy(std::vector<Decision> decisions, std::vector<bool> keep)
      : decisions_(std::move(decisions)), keep_(std::move(keep)) {}
  std::string_view name() const override { return "guided"; }
  void begin_execution(uint64_t) override { next_ = 0; }
  ActorId pick(const ChoicePoint& point) override {
    const std::size_t i = next_++;
    const bool have = i < decisions_.size() && decisions_[i].kind == Decision::Kind::kSchedule;
    auto enabled = [&](uint64_t a) {
      for (ActorId e : point.enabled) {
        if (e == a) return true;
      }
      return false;
    };
    if (have && keep_[i] && enabled(decisions_[i].value)) return static_cast<ActorId>(decisions_[i].value);
    if (point.current != kNoActor && enabled(point.current)) return point.current;
    if (have && enabled(decisions_[i].value)) return static_cast<ActorId>(decisions_[i].value);
    return point.enabled.front();
  }
  uint64_t draw(uint64_t bound, std::string_view) override {
    const std::size_t i = next_++;
    if (i < decisions_.size() && keep_[i] && decisions_[i].kind == Decision::Kind::kDraw &&
        decisions_[i].value < bound) {
      return decisions_[i].value;
    }
    return 0;
  }
  bool end_execution(const ExecutionSummary&) override { return false; }

private:
  std::vector<Decision> decisions_;
  std::vector<bool> keep_;
  std::size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_guided_strategy(std::vector<Decision> decisions, std::vector<bool> keep) {
  keep.resize(decisions.size(), true);
  return std::make_unique<GuidedStrategy>(std::move(decisions), std::move(keep));
}

}  // namespace lsmc::sim
