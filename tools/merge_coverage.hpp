// lsmc merge's coverage of a split tree search (dfs, dpor): which parts the results cover, when a
// part may have been cut again into parts of its own (explore --shard I/N:J/M). A part is covered
// when its own result says "space exhausted", or when all M of its parts are covered (their union
// covers what it does: sim/strategies/split_owner.hpp); the whole is covered when every shard is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsmc::cli {

struct PartLevel {
  uint64_t index = 0;
  uint64_t count = 1;
  uint64_t depth = 0;
  auto operator<=>(const PartLevel&) const = default;
};
using PartChain = std::vector<PartLevel>;  // from the shard's level down

// One result file's part.
struct GivenPart {
  std::string file;
  PartChain chain;
  bool exhausted = false;
  bool interrupted = false;
};

struct Coverage {
  bool whole = false;                // every shard covered
  std::vector<std::size_t> counted;  // the results that make up the whole (their counts are summed)
  std::vector<std::size_t> superseded;  // results replaced by their parts', or by an exhausted part above
  std::string missing;      // "1-3; 33/64:5,7/8": parts no result gave, as ranges under their part
  std::string unfinished;   // "20/64, 33/64:1/8": counted parts that stopped before the end
  std::string interrupted;  // counted parts stopped by a signal, as unfinished
};

// `shards`: the top level's count. Throws MergeError for a part given twice or cut two ways.
Coverage cover(const std::vector<GivenPart>& parts, uint64_t shards);

// "33/64:5/8".
std::string chain_text(const PartChain& chain);

}  // namespace lsmc::cli
