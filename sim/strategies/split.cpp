// sim::Split's text: what --shard and --split-depth take for one part (sim/strategy.hpp).
#include <string>

#include "sim/strategy.hpp"

namespace lsmc::sim {

std::string Split::shard_text() const {
  std::string out;
  for (const SplitLevel& l : levels) {
    out += (out.empty() ? "" : ":") + std::to_string(l.index) + "/" + std::to_string(l.count);
  }
  return out;
}

std::string Split::depth_text() const {
  std::string out;
  for (const SplitLevel& l : levels) out += (out.empty() ? "" : ":") + std::to_string(l.depth);
  return out;
}

}  // namespace lsmc::sim
