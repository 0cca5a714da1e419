// What a differential run (properties/diff/driver.hpp) reports, without RapidCheck: the shrunk
// sequence with both sides' outcomes, and the error that means this machine failed.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace lsmc::properties::diff {

// Thrown by a backend when this machine, not the code under test, failed (no process, no file
// descriptor): the run stops and says so instead of shrinking it as a disagreement.
struct MachineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One sequence with both sides' outcomes: the shrunk counterexample of a failed run.
template <class Op, class Outcome>
struct Sequence {
  std::vector<Op> ops;
  std::vector<Outcome> model, kernel;
  std::size_t index = 0;  // the first operation whose outcomes differ
  std::string error;      // a backend failed instead (its message); outcomes may be empty
};

}  // namespace lsmc::properties::diff
