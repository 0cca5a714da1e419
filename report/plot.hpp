// The churn plot of section 2: live entries against resident capacity, as an SVG of one panel per
// sequence, each with its own axes and ticks, and one legend below the panels.
#pragma once

#include <string>
#include <vector>

#include "report/replay.hpp"

namespace lsmc::report {

struct Series {
  const ReplayResult* r;
  bool resident;  // resident capacity (pages x entries per page), else live entries
  const char* color;
  const char* dash;  // an SVG attribute (" stroke-dasharray=...") or ""
  std::string label;
};

struct Panel {
  std::string title;
  std::vector<Series> series;  // the same labels and colours in every panel
};

// Panels two to a row, then the legend (taken from the first panel).
std::string plot(const std::vector<Panel>& panels);

}  // namespace lsmc::report
