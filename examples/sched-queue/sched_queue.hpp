#pragma once

#include "lsmc/sim/scenario.hpp"

namespace sched_queue {

// Adds the scenario and its mutant to `catalog`.
void register_scenarios(lsmc::sim::Catalog& catalog);

}  // namespace sched_queue
