// An execution graph built one event at a time, as the engine runs (GenMC's shape, without
// revisiting): a load chooses the store it reads from among those already in the graph that keep
// it consistent. Option 0 is always what sequential consistency would do (the coherence-latest
// store), so a schedule that drops these decisions (minimisation) falls back to SC behaviour.
// A store goes at the end of its location's coherence order; RMWs and locks read the
// coherence-latest store. An event after which no choice keeps the graph consistent ends the
// execution (it is explored through another interleaving, if the model allows it at all).
//
// What this explores: every consistent execution whose po | rf | co is acyclic (a load reads a
// store that already happened in the interleaving; stores to one location reach it in the
// interleaving's order). Not explored: load buffering (a load reading a po-later store of another
// thread) and coherence orders against it (2+2W); `lsmc litmus` decides those.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "wmm/graph.hpp"
#include "wmm/model.hpp"

namespace lsmc::wmm {

class Builder {
public:
  // Picks one of `bound` options (bound >= 2): the engine's recorded decision.
  using Choose = std::function<uint64_t(uint64_t bound)>;

  explicit Builder(Model model) : model_(model) { reset(); }
  void reset();

  // A location, by the object and field the engine names it; created (with its initial store)
  // on first use. `object` is what pointers name (address dependencies).
  Loc location(uint64_t object, uint16_t field);

  struct Read {
    uint32_t index = 0;  // which store of the location, in execution order (0: the initial one)
    EventId source = 0;  // the store's event
    EventId event = 0;   // the load's event
  };
  static constexpr uint32_t kInfeasible = UINT32_MAX;  // no consistent choice: drop the execution

  // `tags`: tag::kOnce, kAcquire, ... (none: a plain access). Returns read.index == kInfeasible
  // when no store keeps the graph consistent.
  Read load(uint32_t thread, Loc loc, uint32_t tags, const Choose& choose);
  // `pointees`: the objects the stored value points to; a load of this store gives later
  // accesses of the loading thread to those objects an address dependency.
  // Returns the store's index in execution order, or kInfeasible.
  uint32_t store(uint32_t thread, Loc loc, uint32_t tags, std::vector<uint64_t> pointees, EventId* event = nullptr);
  // An RMW reading the coherence-latest store; `writes(index)` says whether it writes (a failed
  // cmpxchg does not). `full`: value-returning and fully ordered (F[mb] around a successful one).
  Read rmw(uint32_t thread, Loc loc, uint32_t rtags, uint32_t wtags, bool full, std::vector<uint64_t> pointees,
           const std::function<bool(uint32_t)>& writes, EventId* write_event = nullptr);
  // Returns false when the fence leaves the graph inconsistent: an rcu_read_unlock() closes a
  // read-side section whose loads a grace period now orders (the execution is dropped).
  bool fence(uint32_t thread, uint32_t tags);
  // Locks as LKMM's lock.cat has them: LKR reads the latest unlock, LKW and UL write at the end.
  void lock(uint32_t thread, Loc loc);
  void unlock(uint32_t thread, Loc loc);
  void lock_failed(uint32_t thread, Loc loc);  // a failed trylock: LF
  // A load that reads the coherence-latest store (no choice): what a thread synchronising in real
  // time sees. Returns its index, or kInfeasible.
  uint32_t read_latest(uint32_t thread, Loc loc, uint32_t tags);
  // Events the engine adds for what it knows orders (sim/memory_sync.hpp), without a consistency
  // check each: a store at the end of its location's coherence order, and a load that reads the
  // location's `index`-th store. consistent_so_far() checks them together.
  uint32_t store_unchecked(uint32_t thread, Loc loc, uint32_t tags);
  void read_store(uint32_t thread, Loc loc, uint32_t tags, uint32_t index);
  bool consistent_so_far() { return consistent(); }
  // The number of events of `thread` so far, and of threads.
  std::size_t events_of(uint32_t thread) const { return thread < g_.threads.size() ? g_.threads[thread].size() : 0; }
  std::size_t threads() const { return g_.threads.size(); }

  // Whether the whole graph is consistent (checked after every choice already; for tests).
  Check check_all() const { return check(model_, g_); }
  const Graph& graph() const { return g_; }
  Model model() const { return model_; }

private:
  EventId add(uint32_t thread, Kind kind, Loc loc, uint32_t tags);
  EventId coherence_latest(Loc loc) const { return g_.co[loc].back(); }
  // Whether the graph is consistent, with every open RCU read-side section taken to end after its
  // thread's last event: the rcu axiom speaks of whole sections, and closing one early only
  // removes executions that its real end would remove too (a cycle through an unlock stays one when
  // the unlock moves later in program order).
  bool consistent();

  Model model_;
  Graph g_;
  std::vector<uint64_t> object_of_;                // per location
  std::vector<std::vector<EventId>> stores_;       // per location, in execution order
  std::vector<uint32_t> store_index_;              // per event: its index among its location's stores
  std::vector<std::vector<uint64_t>> pointee_;     // per event: what a store's value points to
  std::vector<std::vector<std::pair<uint64_t, EventId>>> pointers_;  // per thread: object -> load
  std::vector<std::pair<uint64_t, Loc>> locations_;  // (object << 16 | field) -> location, sorted
  std::vector<uint32_t> rcu_depth_;                   // per thread: open rcu_read_lock() sections
};

}  // namespace lsmc::wmm
