// Every execution of a litmus test under a memory model, as herd7 computes it: each process's
// paths (one per combination of the values its reads return), then for each combination of
// paths every reads-from (a read takes its value from a write of the same value, the initial
// one included) and every coherence order, kept when the model says the graph is consistent.
// Enumerating candidates and checking each against the model's axioms is sound and complete for
// loop-free programs, whatever the model allows: load buffering included.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "wmm/graph.hpp"
#include "wmm/litmus/ast.hpp"
#include "wmm/litmus/interp.hpp"
#include "wmm/model.hpp"

namespace lsmc::wmm::litmus {

struct Outcome {
  std::vector<Value> values;  // per observed column
  bool operator<(const Outcome& o) const { return values < o.values; }
};

struct Result {
  std::string name;
  Layout layout;
  std::vector<Observed> columns;          // what a final state shows: registers, then variables
  std::map<Outcome, bool> states;         // each final state, and whether the condition holds
  uint64_t candidates = 0;                // candidate executions checked
  uint64_t executions = 0;                // consistent ones (that pass the filter)
  bool data_race = false;                 // LKMM's data-race flag was raised by some execution
  Quantifier quantifier = Quantifier::kExists;

  uint64_t positive() const;
  uint64_t negative() const { return states.size() - positive(); }
  // Never, Sometimes or Always: the proposition of the condition over the final states.
  std::string observation() const;
  // Whether the condition (with its quantifier) is validated: herd7's Ok / No.
  bool validated() const;
};

Result enumerate(const Test& t, Model model);

// The herd7-like report: "Test", "States", each state, "Ok"/"No", "Witnesses",
// "Positive: P Negative: N", "Flag data-race" when raised, "Condition", "Observation".
std::string report(const Test& t, const Result& r);

}  // namespace lsmc::wmm::litmus
