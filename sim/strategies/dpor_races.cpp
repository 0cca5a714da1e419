// DPOR's race analysis after each execution (sim/strategies/dpor_races.hpp; the rules are stated
// in sim/strategies/dpor.cpp's opening comment).
#include "sim/strategies/dpor_races.hpp"

#include <algorithm>
#include <bit>

#include "sim/strategy.hpp"

namespace lsmc::sim::dpor {

using model::Op;

void History::begin() {
  events_.clear();
  stopped_ = false;
  actors_ = 0;
}

void History::widen(ActorId actors) {
  if (actors <= actors_) return;
  pending_now_.resize(actors);
  // Rows move to their wider places, the last first (a row's new place is never below its old).
  if (blocked_by_.size() < events_.size() * actors) blocked_by_.resize(events_.size() * actors);
  for (std::size_t e = events_.size(); e-- > 0;) {
    ActorId* row = blocked_by_.data() + e * actors;
    std::copy_backward(blocked_by_.data() + e * actors_, blocked_by_.data() + (e + 1) * actors_, row + actors_);
    std::fill(row + actors_, row + actors, kNoActor);
  }
  actors_ = actors;
}

void History::record(const Transition& t, int64_t frame, std::span<const ActorId> blocked_by) {
  events_.push_back({t, frame, 0});
  const std::size_t at = (events_.size() - 1) * actors_;  // rows past the events are spare
  if (blocked_by_.size() < at + actors_) blocked_by_.resize(2 * (at + actors_));
  ActorId* row = blocked_by_.data() + at;
  const std::size_t known = std::min<std::size_t>(blocked_by.size(), actors_);
  std::copy_n(blocked_by.data(), known, row);
  std::fill(row + known, row + actors_, kNoActor);
}

void History::stop(std::span<const ActorId> enabled, std::span<const ActorId> blocked_by) {
  stopped_ = true;
  stop_enabled_.assign(enabled.begin(), enabled.end());
  stop_blocked_by_.assign(blocked_by.begin(), blocked_by.end());
}

// Whether actor `a`, not running where the execution stopped at a choice point (stop()), was held
// off there by another actor's lock or CPU section, not by its wait's condition.
bool History::held_at_stop(ActorId a) const {
  if (!stopped_ || a >= stop_blocked_by_.size()) return false;
  if (std::binary_search(stop_enabled_.begin(), stop_enabled_.end(), a)) return false;
  const ActorId by = stop_blocked_by_[a];
  return by != kNoActor && (by & kHeldWhileWaiting) == 0;
}

// Who held `a` off just before event `e` (kNoActor: nobody, or its condition did).
ActorId History::held_by(std::size_t e, ActorId a) const {
  const ActorId by = blocked_by_[e * actors_ + a];
  return (by & kHeldWhileWaiting) != 0 && by != kNoActor ? kNoActor : by;
}

// `next` is a's first event after e (its pending step there).
bool History::enabled_before(std::size_t e, ActorId a) const {
  const Event& ev = events_[e];
  if (ev.frame < 0) return ev.t.actor == a;
  const Frame& f = (*stack_)[static_cast<std::size_t>(ev.frame)];
  return std::binary_search(f.enabled.begin(), f.enabled.end(), a);
}

History::Standing History::standing_before(std::size_t e, ActorId a, std::size_t next) const {
  const Event& ev = events_[e];
  if (enabled_before(e, a)) return Standing::kEnabled;
  // Held off by the lock or CPU that e's own actor holds: e (inside that section) can never
  // run while `a` is enabled, so the pair is not a race.
  const ActorId by = held_by(e, a);
  if (by == ev.t.actor) return Standing::kHeldOffByIt;
  const Transition& t = events_[next].t;
  if (by == kNoActor && t.op == Op::kWait) return Standing::kWaiting;
  return Standing::kDisabled;
}

// Whether actor `a`, not running, was held off by its wait's condition just before event `e`
// (true past the last event: the execution stopped with `a` still pending).
bool History::waits_before(std::size_t e, ActorId a) const {
  if (e >= events_.size()) return true;
  return !enabled_before(e, a) && held_by(e, a) == kNoActor;
}

// Only the events from `from` on are analysed: the first `from` are the prefix that the last
// execution had too (keep), and that one's analysis already went through them. That skips no
// entry (as Nidhugg, which analyses each event once, when it is first executed):
// - What the analysis does for a race (e_i, e_j), and the wait rules for a wait W pending from
//   an actor's event k to its next event `end`, depends only on the events up to e_j (or `end`),
//   the frames' enabled sets and who held each actor off there: the same for the prefix in both
//   executions, clocks included (find_races computes e_j's clock from the events before it).
// - Its entries go to frames before e_j (or `end`), which are the prefix's frames: they stayed
//   on the stack since, and their backtrack sets only grew.
// - It adds nothing a second time: its entries are every enabled actor or the actor a rule
//   names (inserting them again changes nothing), except add_backtrack's choice of one initial,
//   made only when no initial is in the frame's backtrack set yet; after the first time one is,
//   or the choice was not enabled there and every enabled actor went in, as it would again.
// So analysing the prefix again changes no frame, and the search is the same execution by
// execution. A wait still pending at `from` (`end` past it) is looked at again: its `end` is new.
void History::analyse(std::vector<Frame>& stack, const Footprints& footprints) {
  const std::size_t from = width_ == actors_ ? std::min(analysed_, events_.size()) : 0;
  analysed_ = events_.size();
  width_ = actors_;
  if (events_.empty()) return;
  stack_ = &stack;
  footprints_ = &footprints;
  find_races(from);
  for (const Race& r : races_) {
    if (r.waiting && r.pending && first_exit_since_arrival(r.i, r.j)) continue;
    if (grace_period_cannot_end_in_v(r.i, r.j)) continue;  // rule H
    if (needs_a_lock_held_by(r.i, r.j)) continue;          // rule L
    add_backtrack(r.i, r.j, r.waiting);
  }
  add_wait_backtracks(from);
  stack_ = nullptr;
  footprints_ = nullptr;
}

// Vector clocks over this execution's transitions (the standing rules decide which dependent
// pairs order each other), and the races: dependent pairs of different actors, co-enabled, with
// nothing dependent in between. The clocks of the events before `from` are the last analysis's;
// an event's own component of its clock is its position in its actor's order. Each event looks
// back only at the earlier events that may be dependent with it (candidates), latest first.
void History::find_races(std::size_t from) {
  const std::size_t n = events_.size();
  clocks_.resize(n * actors_);
  count_.assign(actors_, 0);
  last_.assign(actors_, -1);
  races_.clear();
  for (std::size_t j = 0; j < from; ++j) {
    const ActorId aj = events_[j].t.actor;
    events_[j].pos = clock(j)[aj];
    count_[aj] = events_[j].pos;
    last_[aj] = static_cast<int64_t>(j);
  }
  index_events(from);
  for (std::size_t j = from; j < n; ++j) {
    const ActorId aj = events_[j].t.actor;
    events_[j].pos = ++count_[aj];
    uint32_t* cj = clocks_.data() + j * actors_;
    if (last_[aj] >= 0) {
      std::copy_n(clock(static_cast<std::size_t>(last_[aj])), actors_, cj);
    } else {
      std::fill_n(cj, actors_, 0);
    }
    cj[aj] = events_[j].pos;
    last_[aj] = static_cast<int64_t>(j);
    candidates(j);
    std::size_t earliest_section = SIZE_MAX;  // in races_: e_j's race with a section step (rule G)
    for (std::size_t w = (j + 63) / 64; w-- > 0;) {
      for (uint64_t bits = candidates_[w]; bits != 0;) {
        const int b = 63 - std::countl_zero(bits);
        bits &= ~(uint64_t{1} << b);
        const std::size_t i = w * 64 + static_cast<std::size_t>(b);
        const Event& ei = events_[i];
        if (ei.t.actor == aj || cj[ei.t.actor] >= ei.pos || !dependent(ei.t, events_[j].t, *footprints_)) continue;
        if (exit_after_the_one_waited_for(i, j)) continue;  // they commute: no race, no order
        if (grace_period_vs_exit(ei.t, events_[j].t) || grace_period_vs_exit(events_[j].t, ei.t)) continue;  // rule G
        std::size_t next = i + 1;  // aj's first event after i
        while (next < j && events_[next].t.actor != aj) ++next;
        const Standing st = standing_before(i, aj, next);
        if (st == Standing::kHeldOffByIt) continue;  // never co-enabled: look further back
        if (grace_period_vs_section(ei.t, events_[j].t)) {
          // Rule G: the grace period stays first; the order still happens before.
        } else if (st == Standing::kDisabled) {
          if (ei.frame >= 0) {
            Frame& f = (*stack_)[static_cast<std::size_t>(ei.frame)];
            for (ActorId a : f.enabled) insert(f.backtrack, a);
          }
        } else if (!grace_period_vs_section(events_[j].t, ei.t)) {
          races_.push_back({i, j, st == Standing::kWaiting, next == j});
        } else if (earliest_section == SIZE_MAX) {
          earliest_section = races_.size();
          races_.push_back({i, j, st == Standing::kWaiting, next == j});
        } else {
          // Rule G: of the section steps e_j races with, only the earliest (candidates come latest
          // first) is reversed.
          races_[earliest_section] = {i, j, st == Standing::kWaiting, next == j};
        }
        const uint32_t* ci = clock(i);
        for (ActorId q = 0; q < actors_; ++q) cj[q] = std::max(cj[q], ci[q]);
      }
    }
  }
}

// Rule G (sim/strategies/dpor.cpp): `a` is an access of an RCU object declared with
// Env::rcu_early_grace_periods that is not a section's entry or exit (a grace period's start, or
// a step that commutes with sections under sc: call_rcu, synchronize_rcu, a grace period's end),
// and `b` a reader's rcu_read_lock or rcu_read_unlock of it on another CPU.
bool History::grace_period_vs_section(const Transition& a, const Transition& b) const {
  if (b.op != Op::kRcuLock && b.op != Op::kRcuUnlock) return false;
  if (a.op == Op::kRcuLock || a.op == Op::kRcuUnlock || a.op == Op::kWait) return false;
  if (a.object != b.object || a.cpu == b.cpu) return false;
  return std::binary_search(early_gp_.begin(), early_gp_.end(), b.object);
}

// Rule G for an exit: `b`, an rcu_read_unlock of a declared flavour, commutes with `a`, a grace
// period's access of it, up to what the grace period waits for (sim/strategies/dpor.cpp).
bool History::grace_period_vs_exit(const Transition& a, const Transition& b) const {
  return b.op == Op::kRcuUnlock && grace_period_vs_section(a, b);
}

// dependent(a, b) holds only for steps on one CPU, a wait and another step, two allocations, or
// two steps on one object (a wait's declared reads name the objects it reads): sets of events as
// bits, one row of `words_` words per CPU, per object, per actor, for waits and for allocations.
// The prefix's bits stay from the last analysis. Objects are numbered from 1 in the order of
// their allocation; where the rows would take more than kMaxWords (32 MB: many objects in a long
// execution), every event is a candidate.
void History::index_events(std::size_t from) {
  constexpr std::size_t kMaxWords = std::size_t{1} << 22;
  const std::size_t n = events_.size();
  if (!indexed_ || n > words_ * 64 || rows_[kActorRows] != actors_) {  // lay the rows out again
    words_ = std::max<std::size_t>(words_, (n + 63) / 64);
    for (std::vector<uint64_t>& set : sets_) set.clear();
    rows_.fill(0);
    from = 0;
  } else {
    const uint64_t keep = from % 64 == 0 ? 0 : (uint64_t{1} << (from % 64)) - 1;
    for (std::vector<uint64_t>& set : sets_) {  // forget the bits from `from` on
      for (std::size_t row = 0; row * words_ < set.size(); ++row) {
        uint64_t* r = set.data() + row * words_;
        if (from / 64 < words_) r[from / 64] &= keep;
        std::fill(r + std::min(words_, from / 64 + 1), r + words_, 0);
      }
    }
  }
  std::size_t cpus = 0;
  std::size_t objects = 0;
  for (std::size_t i = from; i < n; ++i) {
    cpus = std::max<std::size_t>(cpus, events_[i].t.cpu + 1u);
    objects = std::max<std::size_t>(objects, events_[i].t.object + 1u);
    for (model::ObjectId o : events_[i].t.moved) objects = std::max<std::size_t>(objects, o + 1u);
  }
  const std::size_t rows = std::max(rows_[kCpuRows], cpus) + std::max(rows_[kObjectRows], objects) + actors_ + 2;
  indexed_ = rows <= kMaxWords / std::max<std::size_t>(words_, 1);
  if (!indexed_) return;
  grow_rows(kCpuRows, cpus);
  grow_rows(kObjectRows, objects);
  grow_rows(kActorRows, actors_);
  grow_rows(kKindRows, 2);
  for (std::size_t i = from; i < n; ++i) {
    const Transition& t = events_[i].t;
    const uint64_t bit = uint64_t{1} << (i % 64);
    const std::size_t w = i / 64;
    row(kCpuRows, t.cpu)[w] |= bit;
    row(kActorRows, t.actor)[w] |= bit;
    if (t.object != model::kNoObject) row(kObjectRows, t.object)[w] |= bit;
    for (model::ObjectId o : t.moved) {
      if (o != model::kNoObject) row(kObjectRows, o)[w] |= bit;  // against frees and reuses of o
    }
    if (t.op == Op::kWait) row(kKindRows, 0)[w] |= bit;
    if (t.op == Op::kAlloc) row(kKindRows, 1)[w] |= bit;
  }
}

void History::grow_rows(std::size_t kind, std::size_t rows) {
  if (rows <= rows_[kind]) return;
  sets_[kind].resize(rows * words_, 0);
  rows_[kind] = rows;
}

// candidates_: the events before e_j of other actors that may be dependent with it.
void History::candidates(std::size_t j) {
  const std::size_t nw = (j + 63) / 64;
  const Transition& t = events_[j].t;
  candidates_.assign(nw, 0);
  auto add = [&](std::size_t kind, std::size_t r) {
    if (r >= rows_[kind]) return;  // no event there
    const uint64_t* bits = row(kind, r);
    for (std::size_t w = 0; w < nw; ++w) candidates_[w] |= bits[w];
  };
  if (!indexed_ || (t.started && t.op == Op::kWait && t.reads == 0)) {
    std::fill(candidates_.begin(), candidates_.end(), ~uint64_t{0});
  } else {
    add(kCpuRows, t.cpu);
    if (t.started) {
      for (model::ObjectId o : t.moved) {
        if (o != model::kNoObject) add(kObjectRows, o);
      }
      add(kKindRows, 0);  // waits
      if (t.op == Op::kWait) {
        for (const model::Access& r : footprints_->get(t.reads)) add(kObjectRows, r.object);
      } else {
        if (t.op == Op::kAlloc) add(kKindRows, 1);
        if (t.object != model::kNoObject) add(kObjectRows, t.object);
      }
    }
  }
  if (indexed_) {
    const uint64_t* mine = row(kActorRows, t.actor);
    for (std::size_t w = 0; w < nw; ++w) candidates_[w] &= ~mine[w];
  }
  if (j % 64 != 0) candidates_[nw - 1] &= (uint64_t{1} << (j % 64)) - 1;  // only events before j
}

// Rules D and A (sim/strategies/dpor.cpp) for every wait that is some actor's pending step after
// its event k: the next event of that actor, or its pending step where the execution stopped;
// those that end before `from` were looked at by the last analysis.
void History::add_wait_backtracks(std::size_t from) {
  const std::size_t n = events_.size();
  next_same_.assign(n, n);
  later_.assign(actors_, n);
  for (std::size_t k = n; k-- > 0;) {
    next_same_[k] = later_[events_[k].t.actor];
    later_[events_[k].t.actor] = k;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const ActorId a = events_[k].t.actor;
    const std::size_t end = next_same_[k];
    if (end < from) continue;
    const Transition& w = end < n ? events_[end].t : pending_now_[a];
    if (w.op != Op::kWait || w.actor != a) continue;
    // If k + 2 <= from, a's wait was already its pending step where e_{k+1} was chosen, in the
    // prefix: the analyses before saw this wait from k, with its end at `from` or later, and went
    // through rule A (its inputs are the events up to k + 1 and w) and rule D up to from - 1.
    const bool seen = k + 2 <= from;
    for (std::size_t i = seen ? from - 1 : k + 1; i < end; ++i) {  // D: a step turns the wait false
      if (!waits_before(i + 1, a) || !dependent(events_[i].t, w, *footprints_)) continue;
      if (enabled_before(i, a)) {
        insert((*stack_)[static_cast<std::size_t>(events_[i].frame)].backtrack, a);
      } else if (held_by(i, a) != kNoActor) {
        held_off_when_turned_false(k, i, a);
      }
    }
    for (std::size_t y = seen ? from - 1 : k + 1; y + 1 < end; ++y) {  // E: made true while held off
      if (waits_before(y, a) && !waits_before(y + 1, a) && !enabled_before(y + 1, a)) made_true_while_held(k, y, a);
    }
    // The last step made it true and the execution stopped (pruned) with a held off: no event after
    // it records that (waits_before reads past the last event as still waiting), the stop does.
    if (end == n && n >= k + 2 && waits_before(n - 1, a) && held_at_stop(a)) made_true_while_held(k, n - 1, a);
    if (seen) continue;
    const bool runs_next = end == k + 1 && end < n;
    if (!runs_next && waits_before(k + 1, a)) wait_false_on_arrival(k, w);
  }
}

// Rule D for a wait held off when a step e_i turns it false: a's condition was true before e_i, but
// a lock or CPU section of another actor held a off (ChoicePoint::blocked_by). If a was enabled
// before that section, the latest event before which it was gets a before it (the wait runs
// first there). If its condition became true only inside the section, rule E below has it.
void History::held_off_when_turned_false(std::size_t k, std::size_t i, ActorId a) {
  for (std::size_t x = i; x-- > k + 1;) {
    if (enabled_before(x, a)) {
      insert((*stack_)[static_cast<std::size_t>(events_[x].frame)].backtrack, a);
      return;
    }
    if (held_by(x, a) == kNoActor) return;  // its condition was false there
  }
}

// Rule E: step e_y made a's wait true while a lock or CPU section of another actor held a off, so
// the wait could not run when it became true. Waits are modelled as blocking, not as a loop that
// re-reads its condition; the loop would have re-read it last at the latest event e_x before
// which a waited with no section holding it off, found it false, and that read races with e_y:
// the choice point before e_x gets an initial of notdep(e_x).e_y, as add_backtrack gives for a
// race. There e_y's actor runs first, the condition is true before the section, and the wait's
// races with the section's first step are reversed as usual.
// Found by DporProperties ("actor0@cpu1: 2/0 0/0; actor1@cpu0: 1/0; actor2@cpu1: 10/0; daemon"
// and "actor0@cpu2: 2/0 0/0; actor1@cpu0: 0/0 1/0; actor2@cpu2: 1/0 9/0"): a1's write made a2's
// wait true inside a0's section on a2's CPU, and a2 seeing that value before a0's section was
// never explored.
void History::made_true_while_held(std::size_t k, std::size_t y, ActorId a) {
  for (std::size_t x = y; x-- > k + 1;) {
    const ActorId bb = blocked_by_[x * actors_ + a];
    if (enabled_before(x, a) || (bb != kNoActor && (bb & kHeldWhileWaiting) == 0)) return;  // true there
    if (bb == kNoActor) {  // waiting, and free to re-read its condition
      if (events_[x].frame >= 0) add_backtrack(x, y, false);
      return;
    }
  }
}

// Rule A: `w`, actor a's pending step after its event k, is false on arrival. The last step
// before k that is dependent with w and does not happen before k may have made it false.
void History::wait_false_on_arrival(std::size_t k, const Transition& w) {
  const uint32_t* ck = clock(k);
  for (std::size_t x = k; x-- > 0;) {
    const Event& ex = events_[x];
    if (ex.t.actor == w.actor || ck[ex.t.actor] >= ex.pos || !dependent(ex.t, w, *footprints_)) continue;
    if (ex.frame < 0) return;  // only its actor could run there
    Frame& f = (*stack_)[static_cast<std::size_t>(ex.frame)];
    if (enabled_before(x, w.actor)) {
      insert(f.backtrack, w.actor);
    } else {
      for (ActorId b : f.enabled) insert(f.backtrack, b);
    }
    return;
  }
}

// A wait for RCU readers (every declared read is a model::rcu_reader_exits) is false on arrival
// and stays false until each reader it names has run an rcu_read_unlock since (Env::wait_until;
// the engine checks it). If e_i is the first such unlock of its reader since e_j 's actor
// arrived at e_j (its previous event), the reader has not left in notdep(e_i): e_j cannot run
// there, even where other readers' exits (not dependent with e_i) precede it in notdep(e_i),
// which makes e_j 's actor no initial and the rule in add_backtrack blind to it.
bool History::first_exit_since_arrival(std::size_t i, std::size_t j) const {
  const Transition& w = events_[j].t;
  const Transition& u = events_[i].t;
  if (u.op != Op::kRcuUnlock || !readers_wait(w)) return false;
  for (std::size_t x = i; x-- > 0;) {
    const Transition& t = events_[x].t;
    if (t.actor == w.actor) return true;  // the arrival
    if (t.actor == u.actor && t.op == Op::kRcuUnlock && t.object == u.object) return false;
  }
  return false;
}

// Whether `w` is a wait for RCU readers: every declared read a model::rcu_reader_exits.
bool History::readers_wait(const Transition& w) const {
  if (w.op != Op::kWait || w.reads == 0) return false;
  for (const model::Access& r : footprints_->get(w.reads)) {
    if (r.op != Op::kRcuUnlock) return false;
  }
  return true;
}

// A wait for RCU readers needs one outermost exit of each reader it names after its actor arrived
// at it (its previous event; Env::wait_until, checked by the engine), and an exit cannot undo
// another. So an rcu_read_unlock of a named reader commutes with the wait where an outermost exit of
// that reader on that object already came between the arrival and it: the wait's condition is
// true before and after it, and the wait reads only. That holds for every unlock after the wait
// ran, and, for one before it, is checked by replaying the reader's nesting on the object (an inner
// unlock is no exit). Such a pair is neither a race nor an order: the unlocks of a reader's later
// sections no longer tie the grace period's end to them (dependent() alone, from the declared
// reads, cannot tell the first exit from the later ones).
bool History::exit_after_the_one_waited_for(std::size_t i, std::size_t j) const {
  const bool wait_first = events_[i].t.op == Op::kWait;
  const Transition& w = wait_first ? events_[i].t : events_[j].t;
  const Transition& u = wait_first ? events_[j].t : events_[i].t;
  if (u.op != Op::kRcuUnlock || !readers_wait(w)) return false;
  if (wait_first) return true;
  std::size_t arrival = j;
  while (arrival > 0 && events_[arrival - 1].t.actor != w.actor) --arrival;
  if (arrival == 0) return false;  // no arrival recorded: the wait is its actor's first event
  --arrival;
  int64_t depth = 0;
  for (std::size_t x = 0; x < i; ++x) {
    const Transition& t = events_[x].t;
    if (t.actor != u.actor || t.object != u.object) continue;
    if (t.op == Op::kRcuLock) ++depth;
    if (t.op == Op::kRcuUnlock && --depth == 0 && x > arrival) return true;
  }
  return false;
}

// The choice point before e_i needs an initial of v = notdep(e_i).e_j: an actor whose first
// event in v has no predecessor in v. If none is there yet, e_j's actor when it is one.
// `waiting`: e_j is a wait with declared reads that was disabled before e_i; if its actor is an
// initial of v, e_j cannot run before e_i (sim/strategies/dpor.cpp) and nothing is added.
void History::add_backtrack(std::size_t i, std::size_t j, bool waiting) {
  if (events_[i].frame < 0) return;  // only e_i's actor was enabled there
  Frame& f = (*stack_)[static_cast<std::size_t>(events_[i].frame)];
  const ActorId ai = events_[i].t.actor;
  const uint32_t pi = events_[i].pos;
  first_in_v_.assign(actors_, 0);
  initials_.clear();
  for (std::size_t k = i + 1; k <= j; ++k) {
    const uint32_t* ck = clock(k);
    if (k != j && ck[ai] >= pi) continue;  // happens after e_i: not in v
    bool initial = true;
    for (ActorId q = 0; q < actors_ && initial; ++q) {
      if (first_in_v_[q] != 0 && ck[q] >= first_in_v_[q]) initial = false;
    }
    const Event& ek = events_[k];
    if (initial) insert(initials_, ek.t.actor);
    if (first_in_v_[ek.t.actor] == 0) first_in_v_[ek.t.actor] = ek.pos;
  }
  const ActorId aj = events_[j].t.actor;
  if (waiting && contains(initials_, aj)) return;
  for (ActorId a : initials_) {
    if (contains(f.backtrack, a)) return;
  }
  const ActorId want = contains(initials_, aj) ? aj : initials_.front();
  if (std::binary_search(f.enabled.begin(), f.enabled.end(), want)) {
    f.backtrack.push_back(want);
  } else {
    for (ActorId a : f.enabled) insert(f.backtrack, a);  // not enabled there: try them all
  }
}

}  // namespace lsmc::sim::dpor
