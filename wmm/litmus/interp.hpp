// Running one process of a litmus test: its events, given the value each read returns.
//
// A process is a deterministic function of the values its reads return. ThreadRun executes it
// once, taking the value of each read (and the outcome of each trylock and spin_is_locked) from a
// Choices script; all_paths() enumerates every script over the locations' value domains, which
// the enumerator (wmm/litmus/enumerate.hpp) computes as a fixpoint. Dependencies are tracked as
// herd7 tracks them: through registers (addr, data), and from a branch's condition to every event
// after it (ctrl); through plain memory, the model's carry-dep composes them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "wmm/graph.hpp"
#include "wmm/litmus/ast.hpp"

namespace lsmc::wmm::litmus {

// Addresses are values too: &x is kAddressBase + x's location.
inline constexpr Value kAddressBase = Value{1} << 48;
inline bool is_address(Value v) { return v >= kAddressBase; }

// The shared variables of a test, their initial values and the registers' initial values.
struct Layout {
  std::vector<std::string> names;  // by location
  std::map<std::string, Loc> index;
  std::vector<Value> init;  // by location
  std::map<std::pair<int, std::string>, Value> registers;  // "N:reg=V" of the initial state
  std::string show(Value v) const;  // "x" for &x, else the number
};
Layout make_layout(const Test& t);

// One run of a process: its events (dependencies name events of the same run by index) and the
// final values of its registers.
struct Path {
  std::vector<Event> events;
  std::map<std::string, Value> registers;
};

// The possible values of each location (sorted).
using Domains = std::vector<std::vector<Value>>;

// Every path of process `proc` over `domains`. Paths that dereference a non-address are dropped.
std::vector<Path> all_paths(const Test& t, const Layout& layout, int proc, const Domains& domains);

}  // namespace lsmc::wmm::litmus
