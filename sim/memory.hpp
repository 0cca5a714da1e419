// The memory model of an execution, behind one interface (docs/memory-model.md): what a load of
// a Cell (model/cell.hpp) reads, and what locks, fences and RCU add to the order of accesses.
// Sequential consistency is the simplest instance: every load reads the newest store and nothing
// is recorded. The weak instance (tso, lkmm) builds the execution graph as the run goes
// (wmm/builder.hpp) and makes each load's store, and each store's place in the coherence order, a
// recorded decision (a store goes at the end of its location's coherence order).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "model/env.hpp"

namespace lsmc::sim {

class Memory {
public:
  // Picks one of `bound` (>= 2) options; the engine records it as a decision.
  using Choose = std::function<uint64_t(uint64_t bound)>;
  struct Result {
    uint32_t index = model::kLatest;  // the store read (loads, RMWs) or made (stores)
    int64_t rf_step = -1;             // loads, RMWs: the step of the store read; 0 the initial value
    bool infeasible = false;          // no choice keeps the execution consistent
  };
  struct Access {
    model::ActorId actor;
    model::ObjectId object;
    uint16_t field;
    model::Order order;
    std::span<const model::ObjectId> pointees;
    uint64_t step;
  };

  virtual ~Memory() = default;
  virtual bool weak() const = 0;
  virtual void begin() = 0;
  virtual Result load(const Access& a, const Choose& choose) = 0;
  virtual Result store(const Access& a) = 0;
  virtual Result rmw(const Access& a, const std::function<bool(uint32_t)>& writes) = 0;
  // Not scheduling points. fence() and rcu() return false when the execution became
  // inconsistent (a grace period orders a read-side section whose loads read too old a store).
  virtual bool fence(model::ActorId actor, model::Fence fence, model::ObjectId on) = 0;
  virtual void lock(model::ActorId actor, model::ObjectId lock) = 0;
  virtual void unlock(model::ActorId actor, model::ObjectId lock) = 0;
  virtual void lock_failed(model::ActorId actor, model::ObjectId lock) = 0;
  // rcu_read_lock / rcu_read_unlock of the flavour whose state is `flavour`.
  virtual bool rcu(model::ActorId actor, model::ObjectId flavour, bool lock) = 0;
  // `actor` returns from env.wait_until(): what the wait orders (sim/memory_sync.hpp). False when
  // the execution became inconsistent. Nothing under sc.
  virtual bool wait_ended(model::ActorId actor) = 0;
  // LKMM's data-race flag on the graph so far (plain accesses only; false for sc and tso).
  virtual bool data_race() const = 0;
};

// "sc", "tso" or "lkmm"; nullptr for another name.
std::unique_ptr<Memory> make_memory(std::string_view model);

}  // namespace lsmc::sim
