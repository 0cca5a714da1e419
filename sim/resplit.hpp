// --jobs N (N >= 2) for dfs and dpor: parts dealt to N worker threads from a queue, and a part too
// large to finish cut into parts as the run goes (why on a count and not on an idle worker: at
// resplit.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "sim/explore_part.hpp"
#include "sim/runner.hpp"

namespace lsmc::sim {

// The shard's part is first cut into this many parts (2 log2 of it decisions below the shard's
// depth, or below 6 for the whole tree: 18, as --shard I/64) ...
inline constexpr uint64_t kPartsFirst = 64;
// ... and a part that has run RunRequest::resplit_after executions (default kResplitAfter) into
// this many, 2 log2 of it decisions deeper (--shard I/N:J/M's levels), at most kLevelsBelowMax
// levels below the first parts.
inline constexpr uint64_t kPartsBelow = 8;
inline constexpr std::size_t kLevelsBelowMax = 3;
inline constexpr uint64_t kResplitAfter = 50000;

// Runs `request` (a tree strategy, config.jobs >= 2) so; fills the report's checkpoint when it
// ends without a finding. Throws std::invalid_argument for a checkpoint that does not fit.
RunReport run_resplit(const RunRequest& request, Totals& totals);

}  // namespace lsmc::sim
