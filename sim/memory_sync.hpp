// What a wait orders, put into a weak execution graph (docs/memory-model.md, "Waits").
//
// env.wait_until() stands for the kernel's blocking and waking: a wake_up, a completion, a task
// made runnable (wake_up_new_task), a grace period's wait for readers, or a scenario's "this
// happens after that". Each of those orders in the kernel (try_to_wake_up's
// smp_mb__after_spinlock, the locks of a wait queue or a runqueue, the quiescent-state reports of
// RCU), and the interleaving says the condition became true before the waiter went on; without
// an edge in the graph, a Cell load after the wait could still read a store the interleaving had
// already overwritten. The engine does not see which actor made the condition true, so the end
// of a wait synchronises with every other actor: each one that has graph events since its last
// release makes a release store (at its current place in program order: it is suspended there)
// to a location of its own, and the waiter reads it with an acquire load. This is stronger than
// the kernel (the waiter is ordered after actors that had nothing to do with its condition); it
// never allows an outcome the kernel forbids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/env.hpp"
#include "wmm/builder.hpp"

namespace lsmc::sim {

class WaitOrder {
public:
  void reset();
  // `actor` returns from a wait. False when the graph became inconsistent.
  bool waited(wmm::Builder& b, uint32_t actor);

private:
  // `actor`'s latest release store, a new one if it has graph events after it (its index; 0: none).
  uint32_t release(wmm::Builder& b, uint32_t actor);

  std::vector<std::size_t> released_at_;         // per actor: its event count after its last release
  std::vector<uint32_t> last_release_;           // per actor: that release's store index
  std::vector<std::vector<uint32_t>> acquired_;  // [actor][from]: the latest of from's stores it read
};

}  // namespace lsmc::sim
