// DPOR's record of one execution and its race analysis (sim/strategies/dpor.cpp, whose opening
// comment states the rules): the executed transitions, who held each actor off before each,
// happens-before as vector clocks, and the source-set entries the races ask for in the choice
// stack's frames.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/strategies/dpor_dependence.hpp"

namespace lsmc::sim::dpor {

class History {
public:
  // A new execution: no events yet. The prefix it replays (keep) is recorded again, but its
  // clocks and races are not computed again.
  void begin();
  // Actors are all spawned before the first choice point, so this sets the width once per execution.
  void widen(ActorId actors);
  ActorId actors() const { return actors_; }
  std::size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  ActorId last_actor() const { return events_.back().t.actor; }
  // The transition chosen at stack frame `frame` (-1: forced, the only enabled actor), with, for
  // each actor, who held it off just before it (ChoicePoint::blocked_by, widened to actors()).
  void record(const Transition& t, int64_t frame, std::span<const ActorId> blocked_by);
  // The execution stops at a choice point without another step (every enabled actor asleep): who
  // was enabled there and who held each actor off, as record() keeps before an event.
  void stop(std::span<const ActorId> enabled, std::span<const ActorId> blocked_by);
  // The RCU objects whose grace periods start as early as a schedule allows (ChoicePoint::early_gp).
  void early_gp(std::span<const model::ObjectId> objects) { early_gp_.assign(objects.begin(), objects.end()); }
  // Each actor's pending step (kept up to date by the strategy as actors run).
  std::vector<Transition>& pending() { return pending_now_; }

  // Adds to the frames of `stack` (the frames this execution went through) one source-set entry
  // per race of this execution, and the entries the wait rules ask for.
  void analyse(std::vector<Frame>& stack, const Footprints& footprints);
  // The next execution replays the first `events` events of this one (its choices up to the frame
  // it changes), with this analysis and the same stack below that frame; forget(): it does not.
  void keep(std::size_t events) { analysed_ = std::min(analysed_, events); }
  void forget() { analysed_ = 0; }

private:
  // One executed transition: where it was chosen (a frame, or forced: the only enabled actor),
  // its position in its actor's order, and its vector clock (in clocks_).
  struct Event {
    Transition t;
    int64_t frame = -1;
    uint32_t pos = 0;
  };
  struct Race {
    std::size_t i, j;
    bool waiting;  // e_j is a wait with declared reads, disabled before e_i
    bool pending;  // and e_j was its actor's pending step there (no event of it in between)
  };
  // How actor `a` stood just before event `e`.
  enum class Standing : uint8_t { kEnabled, kHeldOffByIt, kWaiting, kDisabled };

  const uint32_t* clock(std::size_t e) const { return clocks_.data() + e * actors_; }
  bool enabled_before(std::size_t e, ActorId a) const;
  Standing standing_before(std::size_t e, ActorId a, std::size_t next) const;
  bool waits_before(std::size_t e, ActorId a) const;
  bool held_at_stop(ActorId a) const;
  ActorId held_by(std::size_t e, ActorId a) const;
  void find_races(std::size_t from);
  void index_events(std::size_t from);
  void grow_rows(std::size_t kind, std::size_t rows);
  uint64_t* row(std::size_t kind, std::size_t r) { return sets_[kind].data() + r * words_; }
  void candidates(std::size_t j);
  void add_backtrack(std::size_t i, std::size_t j, bool waiting);
  bool first_exit_since_arrival(std::size_t i, std::size_t j) const;
  bool readers_wait(const Transition& w) const;
  bool needed_by(std::size_t k, std::size_t j) const;
  bool grace_period_cannot_end_in_v(std::size_t i, std::size_t j) const;
  bool inside_section_before(std::size_t i, ActorId a, model::ObjectId object) const;
  bool needs_a_lock_held_by(std::size_t i, std::size_t j) const;
  bool holds_before(std::size_t i, ActorId a, model::ObjectId lock) const;
  bool exit_after_the_one_waited_for(std::size_t i, std::size_t j) const;
  void add_wait_backtracks(std::size_t from);
  void wait_false_on_arrival(std::size_t k, const Transition& w);
  void held_off_when_turned_false(std::size_t k, std::size_t i, ActorId a);
  void made_true_while_held(std::size_t k, std::size_t y, ActorId a);

  std::vector<Event> events_;
  std::vector<uint32_t> clocks_;     // events_.size() x actors_
  std::vector<ActorId> blocked_by_;  // a row of actors_ per event: who held each off
  ActorId actors_ = 0;
  // The leading events whose clocks (in clocks_, `width_` wide) and races the last analysis found.
  std::size_t analysed_ = 0;
  ActorId width_ = 0;
  std::vector<Transition> pending_now_;  // each actor's pending step (updated as it runs)
  // Where the execution stopped at a choice point (stop()); stopped_ false: it ran to its end.
  bool stopped_ = false;
  std::vector<ActorId> stop_enabled_;
  std::vector<ActorId> stop_blocked_by_;
  // Set for the span of analyse().
  bool grace_period_vs_section(const Transition& a, const Transition& b) const;
  bool grace_period_vs_exit(const Transition& a, const Transition& b) const;
  std::vector<model::ObjectId> early_gp_;
  std::vector<Frame>* stack_ = nullptr;
  const Footprints* footprints_ = nullptr;
  // Sets of events as bits (index_events): rows of `words_` 64-bit words, per CPU, per object,
  // per actor, and two for waits and allocations; rows_ counts each kind's rows.
  enum : std::size_t { kCpuRows, kObjectRows, kActorRows, kKindRows };
  std::size_t words_ = 0;
  bool indexed_ = false;
  std::array<std::vector<uint64_t>, 4> sets_;
  std::array<std::size_t, 4> rows_{};
  std::vector<uint64_t> candidates_;  // for one event
  // Scratch, kept to reuse its memory.
  std::vector<Race> races_;
  std::vector<uint32_t> first_in_v_;
  std::vector<ActorId> initials_;
  std::vector<std::size_t> next_same_;  // per event: its actor's next event (events_.size(): none)
  std::vector<std::size_t> later_;
  std::vector<uint32_t> count_;
  std::vector<int64_t> last_;
};

}  // namespace lsmc::sim::dpor
