// Bounded depth-first search over the choice tree (CHESS-style iterative context bounding without
// the iteration): every schedule with at most `preemption_bound` preemptions, and every value of
// every draw. A preemption is a choice of another actor while the current one is still enabled.
// The tree is kept as a stack of choice frames; each execution replays the stack's prefix and
// extends it with first choices (the current actor first: no preemption); end_execution advances
// the deepest frame that has an untried option within the bound, and reports exhaustion when none
// has. Sleep sets and DPOR reduction come later; this is the baseline they are measured against.
// Split (--jobs, --shard): the tree is the same for every part; a part stops an execution as
// pruned where it enters a subtree another part owns (sim/strategies/split_owner.hpp).
#include <algorithm>
#include <vector>

#include "sim/strategies/split_owner.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class DfsStrategy final : public Strategy {
public:
  explicit DfsStrategy(uint64_t preemption_bound, Split split = {}) : bound_(preemption_bound), owner_(split) {}
  std::string_view name() const override { return "dfs"; }

  void begin_execution(uint64_t) override {
    depth_ = 0;
    foreign_ = false;
    diverged_.clear();
  }

  ActorId pick(const ChoicePoint& point) override {
    if (foreign_) return kPrune;
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_++];
      if (!f.draw && f.options[f.next] < UINT64_MAX) return static_cast<ActorId>(f.options[f.next]);
      diverged_ = "dfs: the execution no longer follows its recorded prefix";
      return kNoActor;
    }
    if (enters_foreign_subtree()) return kPrune;
    Frame f;
    f.current = point.current;
    // The current actor first (no preemption), then the others in id order.
    bool current_enabled = false;
    for (ActorId a : point.enabled) current_enabled |= a == point.current;
    f.current_enabled = current_enabled;
    if (current_enabled) f.options.push_back(point.current);
    for (ActorId a : point.enabled) {
      if (a != point.current) f.options.push_back(a);
    }
    f.preemptions_before = preemptions_so_far();
    stack_.push_back(f);
    ++depth_;
    return static_cast<ActorId>(stack_.back().options[0]);
  }

  uint64_t draw(uint64_t bound, std::string_view) override {
    if (foreign_) return 0;
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_++];
      if (f.draw && f.options.size() == bound) return f.options[f.next];
      diverged_ = "dfs: the execution no longer follows its recorded prefix";
      return UINT64_MAX;
    }
    if (enters_foreign_subtree()) return 0;  // no frame: the next pick prunes, or it ends unowned
    Frame f;
    f.draw = true;
    for (uint64_t v = 0; v < bound; ++v) f.options.push_back(v);
    f.preemptions_before = preemptions_so_far();
    stack_.push_back(f);
    ++depth_;
    return 0;
  }

  bool end_execution(const ExecutionSummary&) override {
    stack_.resize(std::min(stack_.size(), depth_));  // an aborted execution may end early
    // Past the split depth only owned subtrees have frames; within it, the decisions name the owner.
    owned_ = !foreign_ && (stack_.size() > owner_.depth() || owner_.mine(stack_.size(), [this](std::size_t i) {
                             return stack_[i].options[stack_[i].next];
                           }));
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      while (++f.next < f.options.size()) {
        if (f.draw || f.preemptions_before + (is_preemption(f, f.next) ? 1 : 0) <= bound_) return true;
      }
      stack_.pop_back();
    }
    return false;  // every schedule within the bound has run
  }

  std::string divergence() const override { return diverged_; }
  bool owns_execution() const override { return owned_; }

private:
  struct Frame {
    std::vector<uint64_t> options;
    std::size_t next = 0;
    bool draw = false;
    ActorId current = kNoActor;
    bool current_enabled = false;
    uint64_t preemptions_before = 0;
  };
  static bool is_preemption(const Frame& f, std::size_t option) {
    return !f.draw && f.current_enabled && f.options[option] != f.current;
  }
  uint64_t preemptions_so_far() const {
    if (stack_.empty()) return 0;
    const Frame& top = stack_.back();
    return top.preemptions_before + (is_preemption(top, top.next) ? 1 : 0);
  }

  // A new frame at the split depth opens a subtree: this part goes on only if it owns it.
  bool enters_foreign_subtree() {
    if (owner_.whole() || depth_ != owner_.depth()) return false;
    foreign_ = !owner_.mine(depth_, [this](std::size_t i) { return stack_[i].options[stack_[i].next]; });
    return foreign_;
  }

  uint64_t bound_;
  SplitOwner owner_;
  std::vector<Frame> stack_;
  std::size_t depth_ = 0;
  bool foreign_ = false;  // this execution entered a subtree another part owns
  bool owned_ = true;
  std::string diverged_;
};

// Iterative context bounding (Musuvathi and Qadeer, PLDI 2007, as CHESS does): bounded DFS at
// preemption bound 0, then 1, ... up to the given bound. Each round re-runs the schedules of the
// rounds before it (few: they have fewer preemptions), and bugs needing few preemptions are found
// first instead of after the deepest subtrees.
class IterativeBounding final : public Strategy {
public:
  explicit IterativeBounding(uint64_t max_bound) : max_(max_bound), inner_(0) {}
  std::string_view name() const override { return "icb"; }
  void begin_execution(uint64_t index) override { inner_.begin_execution(index); }
  ActorId pick(const ChoicePoint& point) override { return inner_.pick(point); }
  uint64_t draw(uint64_t bound, std::string_view label) override { return inner_.draw(bound, label); }
  bool end_execution(const ExecutionSummary& s) override {
    if (inner_.end_execution(s)) return true;
    if (bound_ >= max_) return false;
    inner_ = DfsStrategy(++bound_);
    return true;
  }
  std::string divergence() const override { return inner_.divergence(); }

private:
  uint64_t max_;
  uint64_t bound_ = 0;
  DfsStrategy inner_;
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(uint64_t preemption_bound, Split split) {
  return std::make_unique<DfsStrategy>(preemption_bound, split);
}

std::unique_ptr<Strategy> make_icb_strategy(uint64_t max_preemption_bound) {
  return std::make_unique<IterativeBounding>(max_preemption_bound);
}

}  // namespace lsmc::sim
