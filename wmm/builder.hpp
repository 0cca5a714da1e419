// An execution graph built one event at a time, as the engine runs (GenMC's shape, without
// revisiting): a load chooses the store it reads from among those already in the graph that keep
// it consistent, a store chooses its place in the coherence order likewise. Option 0 is always
// what sequential consistency would do (the coherence-latest store; the end of the order), so a
// schedule that drops these decisions (minimisation) falls back to SC behaviour.
//
// What this explores: every consistent execution whose po | rf is acyclic (a load only reads
// stores that already happened in the interleaving). Load buffering (a load reading a po-later
// store of another thread) is not explored; `lsmc litmus` is where those are decided.
// RMWs (and locks) read the coherence-latest store and write at the end of the order.
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
  // `pointee`: the object the stored value points to (0: none); a load of this store gives later
  // accesses of the loading thread to that object an address dependency.
  // Returns the store's index in execution order, or kInfeasible.
  uint32_t store(uint32_t thread, Loc loc, uint32_t tags, uint64_t pointee, const Choose& choose,
                 EventId* event = nullptr);
  // An RMW reading the coherence-latest store; `writes(index)` says whether it writes (a failed
  // cmpxchg does not). `full`: value-returning and fully ordered (F[mb] around a successful one).
  Read rmw(uint32_t thread, Loc loc, uint32_t rtags, uint32_t wtags, bool full, uint64_t pointee,
           const std::function<bool(uint32_t)>& writes, EventId* write_event = nullptr);
  // Returns false when the fence leaves the graph inconsistent: an rcu_read_unlock() closes a
  // read-side section whose loads a grace period now orders (the execution is dropped).
  bool fence(uint32_t thread, uint32_t tags);
  // Locks as LKMM's lock.cat has them: LKR reads the latest unlock, LKW and UL write at the end.
  void lock(uint32_t thread, Loc loc);
  void unlock(uint32_t thread, Loc loc);
  void lock_failed(uint32_t thread, Loc loc);  // a failed trylock: LF

  // Whether the whole graph is consistent (checked after every choice already; for tests).
  Check check_all() const { return check(model_, g_); }
  const Graph& graph() const { return g_; }
  Model model() const { return model_; }

private:
  EventId add(uint32_t thread, Kind kind, Loc loc, uint32_t tags);
  EventId coherence_latest(Loc loc) const { return g_.co[loc].back(); }
  bool consistent() const { return check(model_, g_).consistent; }

  Model model_;
  Graph g_;
  std::vector<uint64_t> object_of_;                // per location
  std::vector<std::vector<EventId>> stores_;       // per location, in execution order
  std::vector<uint32_t> store_index_;              // per event: its index among its location's stores
  std::vector<uint64_t> pointee_;                  // per event: what a store's value points to
  std::vector<std::vector<std::pair<uint64_t, EventId>>> pointers_;  // per thread: object -> load
  std::vector<std::pair<uint64_t, Loc>> locations_;  // (object << 16 | field) -> location, sorted
};

}  // namespace lsmc::wmm
