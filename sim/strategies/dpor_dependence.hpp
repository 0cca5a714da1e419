// DPOR's view of a step and its dependency relation (sim/strategies/dpor.cpp): which two steps of
// different actors may not commute, with the read sets that waits declare. Header only: DPOR asks
// it for every pair of racing candidates, in its innermost loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/strategy.hpp"

namespace lsmc::sim::dpor {

// One transition as DPOR sees it.
struct Transition {
  ActorId actor = kNoActor;
  uint16_t cpu = 0;
  model::Op op = model::Op::kYield;
  bool started = false;
  model::ObjectId object = model::kNoObject;
  uint16_t field = 0;
  uint16_t reads = 0;  // a wait's declared reads: 1 + their index in Footprints; 0 for none
  MovedObjects moved{};  // the objects of reads of immutable fields that run with it (Pending::moved)
  bool operator==(const Transition&) const = default;
};

// The distinct read sets of the waits seen so far (a handful: one per wait site and object, and for
// a grace period's wait one per set of readers it waits for).
class Footprints {
public:
  uint16_t intern(std::span<const model::Access> reads) {
    if (reads.empty()) return 0;
    for (std::size_t i = 0; i < sets_.size(); ++i) {
      if (std::equal(sets_[i].begin(), sets_[i].end(), reads.begin(), reads.end(), same)) {
        return static_cast<uint16_t>(i + 1);
      }
    }
    sets_.emplace_back(reads.begin(), reads.end());
    return static_cast<uint16_t>(sets_.size());
  }
  std::span<const model::Access> get(uint16_t id) const { return sets_[id - 1u]; }
  // Every set, in the order of their ids (to save and restore a search's place).
  const std::vector<std::vector<model::Access>>& sets() const { return sets_; }
  void assign(std::vector<std::vector<model::Access>> sets) { sets_ = std::move(sets); }

private:
  static bool same(const model::Access& a, const model::Access& b) {
    return a.object == b.object && a.field == b.field && a.op == b.op;
  }
  std::vector<std::vector<model::Access>> sets_;
};

// Whether two transitions of different actors may not commute. Conservative where the model reads
// state that the descriptor does not name:
// - actors on one CPU: preemption and interrupt masking decide who may run there;
// - waits: a wait that declares its reads depends on the steps that touch them (sim::touches: for
//   a grace period's wait, model::rcu_reader_exits, only the rcu_read_unlock of the readers it
//   waits for); one that declares nothing may read anything;
// - allocations: object ids are handed out in order;
// - an RCU reader entering or leaving conflicts with any write to the RCU object (the grace-period
//   actor reads the reader table after writing gp_seq).
// Locks: two acquisitions conflict; a release commutes with an acquisition (the acquisition could
// not have run first, and the race between the two acquisitions already covers that order);
// try_lock is a read-modify-write of the lock and conflicts with everything on it.
inline bool writes(model::Op op) { return op == model::Op::kWrite || op == model::Op::kRmw || op == model::Op::kFree; }

// Whether `t` ends the life of one of `objects`, the objects of the reads of immutable fields that
// run with another step (Pending::moved): it frees one, or allocates at its address (Env::reuse).
// Such a read commutes with everything else: nothing writes the field (sim/execution_immutable.cpp).
inline bool ends_life_of(const Transition& t, const MovedObjects& objects) {
  if ((t.op != model::Op::kFree && t.op != model::Op::kAlloc) || t.object == model::kNoObject) return false;
  for (model::ObjectId o : objects) {
    if (o == t.object) return true;
    if (o == model::kNoObject) return false;
  }
  return false;
}

inline bool dependent(const Transition& a, const Transition& b, const Footprints& fp) {
  using model::Op;
  if (a.actor == b.actor || a.cpu == b.cpu) return true;
  if (!a.started || !b.started) return false;  // an actor's start runs only local code
  if (ends_life_of(a, b.moved) || ends_life_of(b, a.moved)) return true;
  const bool a_wait = a.op == Op::kWait;
  const bool b_wait = b.op == Op::kWait;
  if (a_wait || b_wait) {
    if ((a_wait && a.reads == 0) || (b_wait && b.reads == 0)) return true;
    if (a_wait && b_wait) return false;  // both only read
    const Transition& w = a_wait ? a : b;
    const Transition& t = a_wait ? b : a;
    return touches({t.object, t.field, t.op}, t.actor, fp.get(w.reads));
  }
  if (a.op == Op::kAlloc && b.op == Op::kAlloc) return true;
  if (a.object == model::kNoObject || a.object != b.object) return false;
  const bool a_rcu = a.op == Op::kRcuLock || a.op == Op::kRcuUnlock;
  const bool b_rcu = b.op == Op::kRcuLock || b.op == Op::kRcuUnlock;
  if (a_rcu || b_rcu) return !(a_rcu && b_rcu);
  if (a.op == Op::kLock || a.op == Op::kUnlock || b.op == Op::kLock || b.op == Op::kUnlock) {
    return (a.op == Op::kLock && b.op == Op::kLock) || a.op == Op::kRmw || b.op == Op::kRmw;
  }
  // A free, or an allocation at a freed address (Env::reuse), ends or starts the object's life.
  if (a.op == Op::kFree || b.op == Op::kFree || a.op == Op::kAlloc || b.op == Op::kAlloc) return true;
  return a.field == b.field && (writes(a.op) || writes(b.op));
}

// Sets of actors as small vectors (a handful of actors), in insertion order.
inline bool contains(const std::vector<ActorId>& set, ActorId a) {
  return std::find(set.begin(), set.end(), a) != set.end();
}
inline void insert(std::vector<ActorId>& set, ActorId a) {
  if (!contains(set, a)) set.push_back(a);
}

// One choice point (or draw) of DPOR's stack (sim/strategies/dpor.cpp).
struct Frame {
  bool draw = false;
  uint64_t bound = 0;  // draws
  uint64_t value = 0;
  std::vector<ActorId> enabled;  // schedules: ascending
  std::vector<Transition> next;  // each enabled actor's pending transition, same order
  std::vector<Transition> sleep;  // asleep on arrival, with the transition that put them there
  std::vector<ActorId> backtrack;
  std::vector<ActorId> done;
  ActorId chosen = kNoActor;
  bool counts = true;  // a real choice for the split's depth (not a lone actor start)
  // A fresh choice point's frame, keeping the vectors' memory.
  void clear() {
    draw = false;
    bound = value = 0;
    enabled.clear();
    next.clear();
    sleep.clear();
    backtrack.clear();
    done.clear();
    chosen = kNoActor;
    counts = true;
  }
  const Transition& next_of(ActorId a) const {
    return next[static_cast<std::size_t>(std::lower_bound(enabled.begin(), enabled.end(), a) - enabled.begin())];
  }
};

// The stack and the read sets, DPOR's place between two executions, as text
// (sim/strategies/state_text.hpp; dpor_state.cpp) and back. restore_state returns what is wrong
// with `state` (empty: `footprints` and `stack` hold it; else they are unchanged).
std::string save_state(const Footprints& footprints, const std::vector<Frame>& stack);
std::string restore_state(std::string_view state, Footprints& footprints, std::vector<Frame>& stack);

}  // namespace lsmc::sim::dpor
