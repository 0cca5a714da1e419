// The churn plot of section 2: live entries against resident capacity, as an SVG.
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

// A polyline plot of the series over the sequence's events, one panel.
std::string plot(const std::string& title, const std::vector<Series>& series);

}  // namespace lsmc::report
