// DPOR's rules H and L (sim/strategies/dpor.cpp's opening comment states them): races whose
// reversed order is no execution, which History::analyse (sim/strategies/dpor_races.cpp) does not
// reverse.
#include <cstddef>

#include "sim/strategies/dpor_races.hpp"

namespace lsmc::sim::dpor {

using model::Op;

// Whether event e_k is e_j or happens before it (rules H and L: what an execution that runs e_j
// must run first).
bool History::needed_by(std::size_t k, std::size_t j) const {
  return k == j || clock(j)[events_[k].t.actor] >= events_[k].pos;
}

// Rule H (sim/strategies/dpor.cpp): whether e_j is, or happens after, a grace period's wait for
// readers whose snapshot of the readers was taken after e_i while e_i 's actor is inside a
// read-side section that it leaves only after e_i: the wait then waits for that reader, so
// neither it nor e_j can run before e_i. (Both are in v = notdep(e_i).e_j: what happens before
// e_j does not happen after e_i, or e_j would.)
// The snapshot of an RCU object's readers follows the grace-period actor's access of that object
// after its previous wait (model::kernel::Rcu::gp_actor: the write of gp_seq that starts the
// grace period snapshots its own flavour's readers, the read of another flavour's readers that
// it implies snapshots those; then comes the wait for them).
bool History::grace_period_cannot_end_in_v(std::size_t i, std::size_t j) const {
  const ActorId ai = events_[i].t.actor;
  for (std::size_t k = i + 1; k <= j; ++k) {
    const Transition& w = events_[k].t;
    if (!readers_wait(w) || !needed_by(k, j)) continue;  // e_j needs no such wait
    // Its actor's accesses since its previous wait (the one that waited for a request) and after e_i.
    for (std::size_t x = k; x-- > i + 1;) {
      const Transition& t = events_[x].t;
      if (t.actor != w.actor) continue;
      if (t.op == Op::kWait) break;
      if (t.object != model::kNoObject && inside_section_before(i, ai, t.object)) return true;
    }
  }
  return false;
}

// Rule L (sim/strategies/dpor.cpp): whether e_j is, or happens after, another actor's acquisition
// of a lock that e_i 's actor holds just before e_i and so releases only with e_i or after it:
// that acquisition cannot run before e_i, and neither can e_j.
bool History::needs_a_lock_held_by(std::size_t i, std::size_t j) const {
  const ActorId ai = events_[i].t.actor;
  for (std::size_t k = i + 1; k <= j; ++k) {
    const Transition& t = events_[k].t;
    if (t.op != Op::kLock || t.actor == ai || !needed_by(k, j)) continue;
    if (holds_before(i, ai, t.object)) return true;
  }
  return false;
}

// Whether actor `a` holds lock `lock` just before event e_i: its last acquisition or release of it
// before e_i is an acquisition (a try_lock, which may have failed, leaves it unknown: false).
bool History::holds_before(std::size_t i, ActorId a, model::ObjectId lock) const {
  for (std::size_t x = i; x-- > 0;) {
    const Transition& t = events_[x].t;
    if (t.actor != a || t.object != lock) continue;
    if (t.op == Op::kLock) return true;
    if (t.op == Op::kUnlock || t.op == Op::kRmw) return false;
  }
  return false;
}

// Whether actor `a` is inside a read-side section of RCU object `object` just before event e_i:
// more of its rcu_read_lock than rcu_read_unlock on it among its events before e_i.
bool History::inside_section_before(std::size_t i, ActorId a, model::ObjectId object) const {
  int64_t depth = 0;
  for (std::size_t x = 0; x < i; ++x) {
    const Transition& t = events_[x].t;
    if (t.actor != a || t.object != object) continue;
    if (t.op == Op::kRcuLock) ++depth;
    if (t.op == Op::kRcuUnlock) --depth;
  }
  return depth > 0;
}

}  // namespace lsmc::sim::dpor
