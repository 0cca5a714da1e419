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
#include "sim/strategies/state_text.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

class DfsStrategy final : public Strategy {
public:
  explicit DfsStrategy(uint64_t preemption_bound, Split split = {})
      : bound_(preemption_bound), owner_(std::move(split)) {}
  std::string_view name() const override { return "dfs"; }

  void begin_execution(uint64_t) override {
    depth_ = 0;
    foreign_ = false;
    diverged_.clear();
  }

  ActorId pick(const ChoicePoint& point) override {
    if (foreign_) return kPrune;
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_];
      // After a restore, the first execution checks each frame against what the scenario offers.
      if (!f.draw && (!verify_ || same_choice(f, fresh_frame(point)))) {
        ++depth_;
        return static_cast<ActorId>(f.options[f.next]);
      }
      diverged_ = "dfs: the execution no longer follows its recorded prefix";
      return kNoActor;
    }
    if (enters_foreign_subtree()) return kPrune;
    stack_.push_back(fresh_frame(point));
    ++depth_;
    return static_cast<ActorId>(stack_.back().options[0]);
  }

  uint64_t draw(uint64_t bound, std::string_view) override {
    if (foreign_) return 0;
    if (depth_ < stack_.size()) {
      const Frame& f = stack_[depth_++];
      if (f.draw && f.values == bound && (!verify_ || f.preemptions_before == preemptions_before(depth_ - 1))) {
        return f.next;
      }
      diverged_ = "dfs: the execution no longer follows its recorded prefix";
      return UINT64_MAX;
    }
    if (enters_foreign_subtree()) return 0;  // no frame: the next pick prunes, or it ends unowned
    Frame f;
    f.draw = true;
    f.values = bound;
    f.preemptions_before = preemptions_before(depth_);
    stack_.push_back(f);
    ++depth_;
    return 0;
  }

  bool end_execution(const ExecutionSummary&) override {
    verify_ = false;
    stack_.resize(std::min(stack_.size(), depth_));  // an aborted execution may end early
    // Past the split depth only owned subtrees have frames; within it, the decisions name the owner.
    owned_ = !foreign_ && owner_.owns_execution(stack_.size(), stack_.size(),
                                                [this](std::size_t i) { return stack_[i].decision(); });
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      while (++f.next < f.size()) {
        if (f.draw || f.preemptions_before + (is_preemption(f, f.next) ? 1 : 0) <= bound_) return true;
      }
      stack_.pop_back();
    }
    return false;  // every schedule within the bound has run
  }

  std::string divergence() const override { return diverged_; }
  bool owns_execution() const override { return owned_; }
  std::string save() const override;
  std::string restore(std::string_view state) override;
  // The same, as part of icb's state.
  void save_into(StateWriter& w) const;
  bool restore_from(StateReader& r);

private:
  struct Frame {
    std::vector<uint64_t> options;  // choices: the actors, in the order tried
    uint64_t values = 0;            // draws: the values 0 .. values - 1
    std::size_t next = 0;
    uint64_t size() const { return draw ? values : options.size(); }
    uint64_t decision() const { return draw ? next : options[next]; }
    bool draw = false;
    ActorId current = kNoActor;
    bool current_enabled = false;
    uint64_t preemptions_before = 0;
  };
  static bool is_preemption(const Frame& f, std::size_t option) {
    return !f.draw && f.current_enabled && f.options[option] != f.current;
  }
  // The preemptions of the decisions before frame `depth` (that frame's preemptions_before).
  uint64_t preemptions_before(std::size_t depth) const {
    if (depth == 0) return 0;
    const Frame& f = stack_[depth - 1];
    return f.preemptions_before + (is_preemption(f, f.next) ? 1 : 0);
  }
  // The frame a choice point opens at depth_: the current actor first (no preemption), then the
  // others in id order.
  Frame fresh_frame(const ChoicePoint& point) const {
    Frame f;
    f.current = point.current;
    for (ActorId a : point.enabled) f.current_enabled |= a == point.current;
    if (f.current_enabled) f.options.push_back(point.current);
    for (ActorId a : point.enabled) {
      if (a != point.current) f.options.push_back(a);
    }
    f.preemptions_before = preemptions_before(depth_);
    return f;
  }
  static bool same_choice(const Frame& a, const Frame& b) {
    return a.options == b.options && a.current == b.current && a.current_enabled == b.current_enabled &&
           a.preemptions_before == b.preemptions_before;
  }

  // A new frame at the split depth opens a subtree: this part goes on only if it owns it.
  bool enters_foreign_subtree() {
    if (!owner_.cuts_at(depth_)) return false;
    foreign_ = !owner_.owns_subtree(depth_, depth_, [this](std::size_t i) { return stack_[i].decision(); });
    return foreign_;
  }

  uint64_t bound_;
  SplitOwner owner_;
  std::vector<Frame> stack_;
  std::size_t depth_ = 0;
  bool foreign_ = false;  // this execution entered a subtree another part owns
  bool owned_ = true;
  bool verify_ = false;  // the next execution checks the restored frames
  std::string diverged_;
};

// "dfs BOUND FRAMES" and per frame: a draw "1 PREEMPTIONS NEXT BOUND", a choice "0 PREEMPTIONS
// NEXT CURRENT CURRENT_ENABLED OPTIONS ACTOR...".
void DfsStrategy::save_into(StateWriter& w) const {
  w << bound_ << stack_.size();
  for (const Frame& f : stack_) {
    w << (f.draw ? 1 : 0) << f.preemptions_before << f.next;
    if (f.draw) {
      w << f.values;
      continue;
    }
    w << f.current << (f.current_enabled ? 1 : 0) << f.options.size();
    for (uint64_t a : f.options) w << a;
  }
}

std::string DfsStrategy::save() const {
  StateWriter w("dfs");
  save_into(w);
  return w.text();
}

bool DfsStrategy::restore_from(StateReader& r) {
  uint64_t bound = 0;
  std::size_t frames = 0;
  if (!r.number(bound) || !r.count(frames, 4)) return false;
  if (bound != bound_) return r.fail("its preemption bound is " + std::to_string(bound) + ", not " + std::to_string(bound_));
  std::vector<Frame> stack(frames);
  for (Frame& f : stack) {
    uint64_t draw = 0;
    if (!r.number(draw, 1) || !r.number(f.preemptions_before) || !r.number_as(f.next, UINT32_MAX)) return false;
    f.draw = draw == 1;
    if (f.draw) {
      if (!r.number(f.values) || f.values < 2) return r.fail("a draw of fewer than 2 values");
    } else {
      uint64_t enabled = 0;
      std::size_t n = 0;
      if (!r.number_as(f.current, kNoActor) || !r.number(enabled, 1) || !r.count(n)) return false;
      f.current_enabled = enabled == 1;
      f.options.resize(n);
      for (uint64_t& a : f.options) {
        if (!r.number(a, kPrune - 1)) return false;
      }
      if (n == 0) return r.fail("a choice with no options");
    }
    if (f.next >= f.size()) return r.fail("a frame's next option is past its options");
  }
  stack_ = std::move(stack);
  verify_ = true;
  return true;
}

std::string DfsStrategy::restore(std::string_view state) {
  StateReader r(state);
  if (r.expect_name("dfs") && restore_from(r)) r.finish();
  return r.error();
}

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
  // "icb BOUND" and the inner dfs's state without its name.
  std::string save() const override {
    StateWriter w("icb");
    w << bound_;
    inner_.save_into(w);
    return w.text();
  }
  std::string restore(std::string_view state) override {
    StateReader r(state);
    uint64_t bound = 0;
    if (r.expect_name("icb") && r.number(bound, max_)) {
      bound_ = bound;
      inner_ = DfsStrategy(bound_);
      if (inner_.restore_from(r)) r.finish();
    }
    return r.error();
  }

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
