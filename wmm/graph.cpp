#include "wmm/graph.hpp"

namespace lsmc::wmm {

std::string describe(const Graph& g, EventId e) {
  const Event& ev = g.events[e];
  std::string out = ev.thread == kInitThread ? std::string("init") : "P" + std::to_string(ev.thread);
  out += ":";
  out += ev.kind == Kind::kRead ? "R" : ev.kind == Kind::kWrite ? "W" : "F";
  if (ev.loc != kNoLoc && ev.loc < g.location_names.size()) out += " " + g.location_names[ev.loc];
  if (ev.is_access()) out += "=" + std::to_string(ev.value);
  return out;
}

}  // namespace lsmc::wmm
