// DPOR: Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014, Algorithm 1),
// with race detection after each execution (as Nidhugg does) instead of at every step, over the
// events past the prefix the execution replayed (sim/strategies/dpor_races.cpp).
//
// The strategy sees every transition (sees_every_step). A transition is "actor a performs its
// pending access, then runs local code up to its next scheduling point"; whether two transitions
// commute is decided from the access descriptors alone (dpor::dependent). Each execution replays
// the choice stack's prefix and extends it; afterwards every race e < e' (dependent, different
// actors, nothing dependent in between) asks for one initial of notdep(e).e' in the backtrack set
// of the choice point before e. Sleep sets remove the choices already covered; an execution whose
// every enabled actor sleeps is pruned (VerdictKind::kPruned). Draws are branches of the tree as
// in bounded DFS: every value.
//
// Actors that cannot run (a held lock, an occupied CPU, a wait) are where the textbook algorithm,
// which assumes dependent transitions are co-enabled, needs care; the engine tells the strategy
// who held each actor off (ChoicePoint::blocked_by):
// - If e' 's actor was held off by e's own actor (e runs inside that actor's lock or CPU section),
//   e and e' are never co-enabled: not a race and no happens-before edge, so the search goes on
//   to the acquisition that opened the section, which is the real race.
// - If it waited on a condition that was false (e' is that wait, and e touches what it reads:
//   a field it declares, or anything for a wait that declares nothing), and e' 's actor is an
//   initial of v = notdep(e).e', the condition reads the same state just before e' in v as
//   before e, where it was false: e' cannot run there and the race is not reversed. Whether
//   e' could run at an earlier point is the business of the two wait rules below.
//   A wait for RCU readers (its reads all model::rcu_reader_exits: a grace period's) waits for
//   an exit of each reader it names, so where e is the first exit of its reader since e' 's
//   actor arrived at e', e' cannot run in v either, whatever other readers' exits v holds
//   (first_exit_since_arrival: the exits of the other readers made e' 's actor no initial, and
//   the search tried each order of independent exits, which sleep sets then cut short).
//   Conversely, an rcu_read_unlock of a named reader after the outermost exit the wait needs
//   (one since its actor arrived at it) commutes with the wait: neither a race nor an order
//   (History::exit_after_the_one_waited_for).
// - If it was disabled for another reason (a third actor's lock or CPU), every actor enabled
//   before e is tried (Flanagan and Godefroid, POPL 2005): conservative.
//
// Waits also race while pending, not only where they run: a wait's condition may turn false
// again before its actor runs (a write makes a counter odd, another makes it even), and the
// order "wait first" is then hidden behind the happens-before edge of the step that made it true
// again. As Flanagan and Godefroid check every process's next transition at every state, not
// only the transitions executed, two rules look at each wait W of an actor a over the states
// where W is a's pending step (sim::Pending; the engine also hands over the pending steps where
// the execution stopped, for a daemon asleep at its idle point):
// - D (disabled while pending): a step e of another actor, dependent with W, with W enabled
//   before e and false after it: a is added before e (W runs first there). Where W was true
//   before e but a lock or CPU section of another actor held a off, W runs first only before
//   that section: a goes before the last step before which it was enabled
//   (History::held_off_when_turned_false).
// - E (made true while held off): a step e of another actor made W true while a lock or CPU
//   section held a off: e's actor goes before the last step before which a waited unheld, where
//   a loop re-reading W would have raced with e (History::made_true_while_held). Where e is the
//   last step before the execution stops at a choice point (sleep sets prune it: every enabled
//   actor asleep), no event after e records a held off with W true; the stop does (History::stop)
//   and the rule reads it as it reads the next event's record. Without it the analysis took a as
//   still waiting past the last event, and nothing else reverses that race: the continuation that
//   shows a held off (the section's actor, asleep) ran in an earlier sibling where e came after
//   the section, so a was not held when W turned true (found by DporProperties: a0 asleep in
//   synchronize_rcu, a1 in a spinlock section on its CPU, the grace period ending inside it; a1's
//   section after a0's synchronize_rcu returned was never explored). The stop only adds entries
//   where the rule's premise holds, and changes no other rule.
// - A (false on arrival): W false in the state where a arrives at it: the last step e before
//   a's arrival that is dependent with W and does not happen before it gets a before it, or
//   every enabled actor where a could not run (arriving earlier may find W true).
// - G (grace periods start early): for an RCU flavour declared with Env::rcu_early_grace_periods
//   (regular RCU under sc: readers that cannot sleep in a section), a race e < e' where e is an
//   access of the flavour's object other than a section's entry or exit and e' is a reader's
//   rcu_read_lock or rcu_read_unlock on another CPU is not reversed (the happens-before edge
//   stays). Reversing it only puts a grace period's start later against that reader. Take any
//   execution with such a lock or unlock L just before a start S (or before call_rcu,
//   synchronize_rcu or a grace period's end, which under sc commute with sections: they do not
//   read them). Moving S before L keeps the schedule valid: S's actor reaches it as before, and
//   the grace period's wait set changes only by L's reader, who is dropped if L enters a section
//   (the wait is then true sooner, and the schedule's later placement of the wait's end is still
//   allowed) or added if L leaves one (the wait ended after S, so after L: already satisfied).
//   Every other step reads what it read, so every finding and final state is the same, except a
//   deadlock in which a reader inside a section waits for the grace period, which the declaration
//   rules out (might_sleep reports the sleep that such a wait needs). Repeating this moves every
//   start before the sections' steps it races with; the executions left are those, and DPOR
//   reaches each of their classes through the races it still reverses (those with e' the start:
//   S moved earlier). Where S races with several section steps, only the race with the earliest is
//   reversed: that reversal puts S before all of them (each races with S, so none happens before
//   it), and the executions the later ones would start, S between two of those steps, are each
//   matched by the one with S moved before them all, by the argument above. And a start and an
//   rcu_read_unlock U of such a flavour commute up to what the grace period waits for: with S
//   before U it also waits for U's section, which its later steps follow anyway (they follow S,
//   which in the other order follows U), and after both steps the wait's condition for that
//   reader holds either way (a nested U leaves the reader inside in both orders); the other
//   accesses commute with U outright. So the pair is neither a race nor an order, and the lock
//   that opened U's section races with S directly: only entries are reversed, an exit never.
//   DporProperties' random RCU programs check rule G against unreduced DFS; tests/
//   test_dpor_early_gp.cpp has programs where each part is needed.
// - H (a grace period cannot end while a reader it found stays inside): a race e < e' is not
//   reversed where e 's actor r is inside a read-side section of an RCU object just before e, and
//   e' is, or happens after, a grace period's wait for readers whose actor accessed that object
//   after e and since its previous wait (the start's write of gp_seq, or for a flavour it implies
//   the read of the readers), after which it snapshots the readers inside a section
//   (model::kernel::Rcu::gp_actor). Every step e' needs before it is in v = notdep(e).e' (else e'
//   would happen after e), and no step of r after e is (each happens after e): so in any
//   execution from the state before e that runs e' before e, r is inside at the snapshot, the
//   wait waits for r's exit, which comes after e, and neither the wait nor e' can run. The
//   reversal stands for no execution, as Nidhugg reverses no race whose reversed order is not one
//   (a lock taken while held). It must be a step e' needs: a wait that is only in v (between e and
//   e', needed by neither) can be left out of an execution that runs e' first (a first version
//   that asked only for the wait to be in v lost 1 497 of the 18 607 complete executions of
//   cachefill-protocol at (2,2,3,2,2)). Under rule G the start and r's exit neither race nor
//   order, so a race between r's read inside the section and the grace period's callback (a free)
//   has the whole grace period before the free; reversing it put DPOR on a branch that sleep sets
//   pruned once every other actor had finished (178 131 of 406 883 executions at (3,1,2,1,2)
//   ended so; 42 882 of 271 634 with rule H, the complete ones the same 228 752, as at every
//   size measured). DporProperties' random RCU programs check it against unreduced DFS (a rule H
//   that ignores whether r is inside fails there within 100 programs);
//   tests/test_dpor_infeasible.cpp has a program whose only pruned execution it removes.
// - L (a lock its holder keeps): a race e < e' is not reversed where e' is, or happens after, an
//   acquisition by another actor of a lock that e 's actor holds just before e (its last
//   acquisition or release of it before e is a blocking acquisition: Env::lock, which cannot fail;
//   a try_lock may have failed and leaves the rule out). That actor releases it only with e or
//   after e, so in any execution from the state before e the acquisition, and e' after it, come
//   after e: the reversal stands for no execution, as for rule H. The order of the two sections
//   is reversed through the race of the two acquisitions (dependent(): two acquisitions
//   conflict, a release commutes with an acquisition, which is why e' can race with e at all).
//   Without it such branches ran until the holder, asleep, was the only actor left: at
//   cachefill-protocol (3,1,2,1,2), 42 882 of 271 634 executions were pruned so, 4 086 of
//   228 854 with rule L; the complete ones change too (228 752 -> 224 768): a branch that a
//   reversal standing for no execution opened also reached schedules of other classes, which
//   their own races reach with rule L. DporProperties (locks in every random program) check it
//   against unreduced DFS; tests/test_dpor_infeasible.cpp has three lock sections whose pruned
//   executions it removes.
// Rule D fires only for conditions that do turn false while pending; rule A costs an extra
// branch where the model's waits are monotonic (grace periods: false on arrival means false
// before). The differential test against unbounded DFS on random small programs, unstable waits
// included (tests/test_dpor.cpp), is the evidence that this is sound, with the argument above.
//
// Split (--jobs, --shard; sim::Split): the first `depth` choice points try every awake enabled
// actor (a superset of any source set, so still sound), which makes the prefix tree the same for
// every part whatever its subtrees find; a part stops an execution as pruned where it enters a
// subtree another part owns, and does not analyse its races (they could only add to the prefix's
// choice points, which hold every actor already). A nested split (a part of a part) expands the
// prefix to its deepest level and tests each level where its subtrees open (split_owner.hpp says
// why its sub-parts together cover what the part does).
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/strategies/dpor_dependence.hpp"
#include "sim/strategies/dpor_races.hpp"
#include "sim/strategies/split_owner.hpp"
#include "sim/strategy.hpp"

namespace lsmc::sim {

namespace {

using dpor::dependent;
using dpor::Footprints;
using dpor::History;
using dpor::Transition;
using dpor::contains;
using dpor::insert;

class DporStrategy final : public Strategy {
public:
  explicit DporStrategy(Split split) : owner_(std::move(split)) {}
  std::string_view name() const override { return "dpor"; }
  bool sees_every_step() const override { return true; }

  void begin_execution(uint64_t) override {
    depth_ = 0;
    history_.begin();
    sleep_.clear();
    foreign_ = false;
    levels_ = 0;
    diverged_.clear();
  }

  ActorId pick(const ChoicePoint& point) override {
    if (depth_ == 0) history_.early_gp(point.early_gp);
    history_.widen(static_cast<ActorId>(point.pending.size()));
    note_pending(point.pending);
    if (foreign_) return kPrune;
    if (point.enabled.size() < 2) return forced(point);
    Frame* f = nullptr;
    if (depth_ < stack_.size()) {
      f = &stack_[depth_];
      if (f->draw || !std::equal(f->enabled.begin(), f->enabled.end(), point.enabled.begin(), point.enabled.end())) {
        diverged_ = "dpor: the execution no longer follows its recorded prefix";
        return kNoActor;
      }
      if (verify_ && !fits(*f, point)) {
        diverged_ = "dpor: a restored choice point does not fit the scenario's";
        return kNoActor;
      }
      levels_ += f->counts ? 1 : 0;
    } else {
      f = new_frame(point);
      if (f == nullptr) {
        history_.stop(point.enabled, point.blocked_by);
        return kPrune;
      }
    }
    reach(depth_);
    ++depth_;
    // Sleep set after the choice: what slept or was done here and commutes with the chosen step.
    const Transition mine = f->next_of(f->chosen);
    std::vector<Transition>& after = sleep_next_;
    after.clear();
    for (const Transition& t : f->sleep) {
      if (t.actor != f->chosen && !dependent(t, mine, footprints_)) after.push_back(t);
    }
    for (ActorId d : f->done) {
      const Transition& t = f->next_of(d);
      if (d != f->chosen && !dependent(t, mine, footprints_) && !asleep(after, d)) after.push_back(t);
    }
    sleep_.swap(after);
    const ActorId chosen = f->chosen;
    history_.record(mine, static_cast<int64_t>(f - stack_.data()), point.blocked_by);
    return chosen;
  }

  uint64_t draw(uint64_t bound, std::string_view) override {
    if (foreign_) return 0;
    if (depth_ < stack_.size()) {
      reach(depth_);
      const Frame& f = stack_[depth_++];
      ++levels_;
      if (f.draw && f.bound == bound) return f.value;
      diverged_ = "dpor: the execution no longer follows its recorded prefix";
      return UINT64_MAX;
    }
    // No frame for another part's subtree: the next pick prunes, or the execution ends unowned.
    if (enters_foreign_subtree()) return 0;
    ++levels_;
    Frame f;
    f.draw = true;
    f.bound = bound;
    stack_.push_back(f);
    reach(depth_);
    ++depth_;
    return 0;
  }

  bool end_execution(const ExecutionSummary& summary) override {
    verify_ = false;
    pop_to(depth_);  // a pruned or failed execution ends early
    if (noted_ != history_.size() && !history_.empty()) {
      // The last step's actor was not seen again: it finished, or it sleeps at an idle point
      // (then the engine says where every actor stopped).
      std::vector<Transition>& pending = history_.pending();
      pending[history_.last_actor()] = Transition{};
      for (ActorId a = 0; a < summary.pending.size() && a < history_.actors(); ++a) {
        pending[a] = transition_of(a, summary.pending[a]);
      }
    }
    // Past the split depth only owned subtrees have frames; within it, the decisions name the owner.
    owned_ = !foreign_ && owner_.owns_execution(levels_, stack_.size(),
                                                [this](std::size_t i) { return decision_value(stack_[i]); });
    if (foreign_) {
      history_.forget();
    } else {
      history_.analyse(stack_, footprints_);
    }
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (f.draw) {
        if (++f.value < f.bound) return branch();
      } else {
        insert(f.done, f.chosen);
        for (ActorId a : f.backtrack) {
          if (contains(f.done, a) || asleep(f.sleep, a)) continue;
          f.chosen = a;
          return branch();
        }
      }
      pop_to(stack_.size() - 1);
    }
    return false;
  }

  std::string divergence() const override { return diverged_; }

  // No estimate of the part explored: a frame's backtrack set grows as races are found below it,
  // so any fraction from the choice stack regresses (it read 51% on a search that six times as
  // many executions did not finish). The run prints counts instead.
  double explored_fraction() const override { return -1; }
  bool owns_execution() const override { return owned_; }
  std::string save() const override { return dpor::save_state(footprints_, stack_); }
  std::string restore(std::string_view state) override {
    std::string err = dpor::restore_state(state, footprints_, stack_);
    verify_ = err.empty();
    history_.forget();
    return err;
  }

private:
  using Frame = dpor::Frame;

  static uint64_t decision_value(const Frame& f) { return f.draw ? f.value : f.chosen; }

  // The next execution follows the stack up to its last frame, which changed: the events before
  // that frame's are this execution's.
  bool branch() {
    history_.keep(stack_.size() <= frame_event_.size() ? frame_event_[stack_.size() - 1] : 0);
    return true;
  }
  // Frame `index` is reached now (its decision is made before the next event is recorded).
  void reach(std::size_t index) {
    if (frame_event_.size() <= index) frame_event_.resize(index + 1);
    frame_event_[index] = history_.size();
  }

  // After a restore: whether a replayed choice point's pending steps and sleep set are the ones
  // this execution has there (enabled actors are compared for every execution).
  bool fits(const Frame& f, const ChoicePoint& point) {
    for (std::size_t i = 0; i < f.enabled.size(); ++i) {
      if (!(f.next[i] == transition_of(f.enabled[i], point.pending[f.enabled[i]]))) return false;
    }
    return f.sleep == sleep_;
  }

  // Whether `a`'s pending step is its start (local code only) and no other actor shares its CPU:
  // then it commutes with every step any other actor can take.
  static bool local_start(const ChoicePoint& point, ActorId a) {
    if (point.pending[a].started) return false;
    for (ActorId b = 0; b < point.pending.size(); ++b) {
      if (b != a && point.pending[b].cpu == point.pending[a].cpu) return false;
    }
    return true;
  }

  // A new choice point at a split level's depth opens a subtree: this part goes on only if it owns it.
  bool enters_foreign_subtree() {
    if (!owner_.cuts_at(levels_)) return false;
    foreign_ = !owner_.owns_subtree(levels_, depth_, [this](std::size_t i) { return decision_value(stack_[i]); });
    return foreign_;
  }

  static bool asleep(const std::vector<Transition>& sleep, ActorId a) {
    for (const Transition& t : sleep) {
      if (t.actor == a) return true;
    }
    return false;
  }

  Transition transition_of(ActorId a, const Pending& p) {
    return {a, p.cpu, p.access.op, p.started, p.access.object, p.access.field, footprints_.intern(p.reads), p.moved};
  }

  ActorId forced(const ChoicePoint& point) {
    const ActorId a = point.enabled[0];
    const Transition t = transition_of(a, point.pending[a]);
    if (asleep(sleep_, a)) {  // the only runnable actor sleeps: already covered
      history_.stop(point.enabled, point.blocked_by);
      return kPrune;
    }
    std::erase_if(sleep_, [&](const Transition& s) { return dependent(s, t, footprints_); });
    history_.record(t, -1, point.blocked_by);
    return a;
  }

  // A choice point past the stack: a new frame on top of it, or nullptr where every continuation
  // is covered already (all awake actors asleep) or belongs to another part of a split search.
  // Its vectors are those of a frame popped earlier (spare_), to keep their memory.
  Frame* new_frame(const ChoicePoint& point) {
    if (spare_.empty()) spare_.emplace_back();
    Frame& fresh = spare_.back();
    fresh.clear();
    fresh.enabled.assign(point.enabled.begin(), point.enabled.end());
    for (ActorId a : point.enabled) fresh.next.push_back(transition_of(a, point.pending[a]));
    fresh.sleep = sleep_;
    // The current actor first when it is awake (fewest context switches), else the lowest.
    ActorId first = kNoActor;
    for (ActorId a : point.enabled) {
      if (asleep(fresh.sleep, a)) continue;
      if (first == kNoActor || a == point.current) first = a;
    }
    if (first == kNoActor) return nullptr;  // every enabled actor sleeps: already covered
    // The split's prefix counts only real choices: an actor's start (local code, alone on its
    // CPU) commutes with everything, so it is taken first there and alone, as DPOR would.
    const bool prefix = owner_.depth() > 0 && levels_ <= owner_.depth();
    if (prefix) {
      for (ActorId a : point.enabled) {
        if (!asleep(fresh.sleep, a) && local_start(point, a)) first = a;
      }
    }
    fresh.counts = !prefix || !local_start(point, first);
    if (fresh.counts && enters_foreign_subtree()) return nullptr;
    fresh.chosen = first;
    fresh.backtrack.push_back(first);
    if (fresh.counts && levels_ < owner_.depth()) {
      for (ActorId a : point.enabled) insert(fresh.backtrack, a);  // the split's prefix: every actor
    }
    levels_ += fresh.counts ? 1 : 0;
    stack_.push_back(std::move(fresh));
    spare_.pop_back();
    return &stack_.back();
  }

  // Drops the frames from `size` on, keeping their vectors' memory for new frames.
  void pop_to(std::size_t size) {
    while (stack_.size() > size) {
      spare_.push_back(std::move(stack_.back()));
      stack_.pop_back();
    }
    frame_event_.resize(std::min(frame_event_.size(), size));
  }

  // An actor's pending step changes only when it runs: the one that ran last, or all at the start.
  void note_pending(std::span<const Pending> pending) {
    noted_ = history_.size();
    std::vector<Transition>& now = history_.pending();
    if (history_.empty()) {
      for (ActorId a = 0; a < history_.actors(); ++a) now[a] = transition_of(a, pending[a]);
    } else {
      const ActorId last = history_.last_actor();
      now[last] = transition_of(last, pending[last]);
    }
  }

  std::vector<Frame> stack_;
  std::size_t depth_ = 0;
  History history_;                  // this execution's transitions, for the race analysis
  std::vector<std::size_t> frame_event_;  // per frame of stack_: history_.size() where it was reached
  Footprints footprints_;
  std::vector<Transition> sleep_;
  std::vector<Transition> sleep_next_;  // scratch for the next sleep set
  std::vector<Frame> spare_;            // popped frames, whose vectors new frames reuse
  std::size_t noted_ = 0;  // history_.size() when its pending steps were last brought up to date
  SplitOwner owner_;
  bool foreign_ = false;  // this execution entered a subtree another part owns
  bool owned_ = true;
  uint32_t levels_ = 0;   // choice points so far in this execution that count for the split's depth
  bool verify_ = false;   // the next execution checks the restored frames (fits)
  std::string diverged_;
};

}  // namespace

std::unique_ptr<Strategy> make_dpor_strategy(Split split) { return std::make_unique<DporStrategy>(split); }

}  // namespace lsmc::sim
