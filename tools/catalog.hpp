#pragma once

#include "sim/scenario.hpp"

namespace lsmc::cli {

// Every scenario and mutant this binary knows, built afresh on each call.
sim::Catalog builtin_catalog();

}  // namespace lsmc::cli
