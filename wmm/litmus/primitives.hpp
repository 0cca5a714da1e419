// The kernel primitives a litmus process may call, as events (linux-kernel.def and
// herd-representation.txt): READ_ONCE, WRITE_ONCE, acquire/release, rcu_dereference and
// rcu_assign_pointer, the fences, xchg/cmpxchg and the atomic_t operations with their _relaxed,
// _acquire and _release forms, spinlocks (spin_lock, spin_unlock, spin_trylock, spin_is_locked),
// RCU and SRCU.
#pragma once

#include <cstdint>
#include <string>

#include "wmm/graph.hpp"
#include "wmm/litmus/ast.hpp"

namespace lsmc::wmm::litmus {

// A value with the reads (of the same process, by index) it was computed from.
struct Val {
  Value v = 0;
  uint64_t deps = 0;
};

// What a primitive needs from the process running it.
class Machine {
public:
  virtual ~Machine() = default;
  virtual Val eval(const Expr& e) = 0;
  virtual Loc location(const Val& address, int line) = 0;
  // The location of "*p" and the reads its address depends on.
  virtual Loc lvalue(const Expr& e, uint64_t* addr_deps) = 0;
  // The value the next read of `loc` returns (an explored choice).
  virtual Value pick(Loc loc) = 0;
  virtual bool choose2() = 0;  // an explored yes/no: trylock success, spin_is_locked
  virtual Val emit(Kind kind, Loc loc, Value v, uint32_t tags, uint64_t addr, uint64_t data) = 0;
  virtual void pair_rmw(std::size_t read, std::size_t write) = 0;
  virtual std::size_t event_count() const = 0;
  [[noreturn]] virtual void fail(int line, const std::string& what) const = 0;
};

Val call_primitive(Machine& m, const Expr& call);

}  // namespace lsmc::wmm::litmus
