// The model's side of a differential sequence: the whole sequence is one execution of a scenario
// that runs it as one actor (plus the grace-period actors), so it is sequential like the kernel
// side. Shared by kernel diff (model_backend.cpp) and mls diff (mls_diff.cpp).
#pragma once

#include <string>

#include "sim/scenario.hpp"

namespace lsmc::properties::diff {

// Runs `sequence` once under `profile` (empty: the default profile) with the default observers.
// Throws std::runtime_error naming what the model reported if it found anything: a sequence's
// model run must be clean for its outcomes to mean anything.
void run_model_once(const sim::Scenario& sequence, const std::string& profile = {});

}  // namespace lsmc::properties::diff
