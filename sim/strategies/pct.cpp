// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
// 2010), depth d: every actor gets a random priority when it first shows up; at each choice the
// enabled actor with the highest priority runs; at d-1 change points, drawn uniformly from the
// expected number of steps k, the running actor drops below every initial priority, the i-th
// one to priority d-i, below the actors lowered before it. One run finds a bug of depth d with
// probability at least 1/(n k^(d-1)). k is the longest execution seen so far (as shuttle and
// Coyote estimate it; 64 before the first has ended), the same k the run prints with the bound.
#include <algorithm>
#include <map>

#include "sim/rng.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class PctStrategy final : public Strategy {
public:
  PctStrategy(uint64_t seed, uint32_t depth, uint64_t horizon)
      : seed_(seed), depth_(depth), learn_(horizon == 0), steps_estimate_(horizon == 0 ? 64 : horizon) {}
  std::string_view name() const override { return "pct"; }

  void begin_execution(uint64_t index) override {
    rng_.reseed(execution_seed(seed_, index));
    priority_.clear();
    change_points_.clear();
    for (uint32_t i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(steps_estimate_));
    std::sort(change_points_.begin(), change_points_.end());
    next_change_ = 0;
  }

  ActorId pick(const ChoicePoint& point) override {
    // At the i-th change point (i = 1 .. d-1) the running actor drops to priority d-i: below every
    // initial priority and below the actors lowered at earlier change points.
    while (next_change_ < change_points_.size() && change_points_[next_change_] <= point.step) {
      if (point.current != kNoActor) {
        priority_[point.current] = static_cast<int64_t>(depth_) - 1 - static_cast<int64_t>(next_change_);
      }
      ++next_change_;
    }
    ActorId best = point.enabled.front();
    int64_t best_priority = INT64_MIN;
    for (ActorId a : point.enabled) {
      auto it = priority_.find(a);
      if (it == priority_.end()) {
        // Initial priorities sit above every change-point priority (1 .. d-1).
        it = priority_.emplace(a, static_cast<int64_t>(depth_) + static_cast<int64_t>(rng_.below(1u << 30))).first;
      }
      if (it->second > best_priority) best_priority = it->second, best = a;
    }
    return best;
  }

  uint64_t draw(uint64_t bound, std::string_view) override { return rng_.below(bound); }

  bool end_execution(const ExecutionSummary& s) override {
    if (learn_) longest_ = std::max<uint64_t>(longest_, s.steps), steps_estimate_ = std::max<uint64_t>(longest_, 1);
    return true;
  }

private:
  uint64_t seed_;
  uint32_t depth_;
  bool learn_;  // false: a fixed horizon k, so an execution depends on its index only
  Rng rng_;
  uint64_t steps_estimate_;
  uint64_t longest_ = 0;  // the longest execution seen (learning only)
  std::map<ActorId, int64_t> priority_;  // ordered by actor id, never by pointer
  std::vector<uint64_t> change_points_;
  std::size_t next_change_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(uint64_t seed, uint32_t depth, uint64_t horizon) {
  return std::make_unique<PctStrategy>(seed, depth, horizon);
}

namespace {

// The default: what each execution does depends on its index only, so it works with --jobs and
// --shard. Of every 8 executions, 4 are random walks and 4 are PCT runs (depths 1, 2, 3, 2);
// the PCT horizon k cycles through 64, 128, ..., 1024 steps so that short and long scenarios both
// get change points where they matter.
class PortfolioStrategy final : public Strategy {
public:
  explicit PortfolioStrategy(uint64_t seed) : random_(make_random_strategy(seed)) {
    for (uint64_t h = 0; h < kHorizons; ++h) {
      for (uint32_t d = 1; d <= 3; ++d) pct_[h][d - 1] = make_pct_strategy(seed, d, 64u << h);
    }
  }
  std::string_view name() const override { return "portfolio"; }
  void begin_execution(uint64_t index) override {
    const uint64_t slot = index % 8;
    current_ = slot < 4 ? random_.get() : pct_[(index / 8) % kHorizons][kDepth[slot - 4] - 1].get();
    current_->begin_execution(index);
  }
  ActorId pick(const ChoicePoint& point) override { return current_->pick(point); }
  uint64_t draw(uint64_t bound, std::string_view label) override { return current_->draw(bound, label); }
  bool end_execution(const ExecutionSummary& s) override { return current_->end_execution(s); }

private:
  static constexpr uint64_t kHorizons = 5;
  static constexpr uint32_t kDepth[4] = {1, 2, 3, 2};
  std::unique_ptr<Strategy> random_;
  std::unique_ptr<Strategy> pct_[kHorizons][3];
  Strategy* current_ = nullptr;
};

}  // namespace

std::unique_ptr<Strategy> make_portfolio_strategy(uint64_t seed) {
  return std::make_unique<PortfolioStrategy>(seed);
}

}  // namespace lsmc::sim
