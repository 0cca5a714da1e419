// Memory models as predicates on execution graphs: SC, x86-TSO and the Linux-kernel memory
// model (LKMM). One interface, three instances; SC is the simplest.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "wmm/graph.hpp"

namespace lsmc::wmm {

enum class Model : uint8_t { kSc, kTso, kLkmm };
inline constexpr std::string_view kModelNames[] = {"sc", "tso", "lkmm"};
std::string_view to_string(Model model);
std::optional<Model> parse_model(std::string_view name);

struct Check {
  bool consistent = true;
  std::string_view axiom;  // the first axiom that fails ("coherence", "happens-before", ...)
  bool data_race = false;  // LKMM's data-race flag: two plain accesses race (or plain vs marked)
};

// Whether `g` (complete: every read has its rf, every location its co) is an execution the
// model allows. Flags are computed only for consistent graphs.
Check check(Model model, const Graph& g);

// The parts, for the engine's incremental use and for tests.
Check check_sc(const Graph& g);
Check check_tso(const Graph& g);
Check check_lkmm(const Graph& g);
// LKMM's rcu axiom alone (irreflexive rb: no RCU or SRCU read-side critical section spans a
// grace period it does not wait for); true when the graph has no grace period. check_sc adds it.
bool rcu_axiom_holds(const Graph& g);

}  // namespace lsmc::wmm
