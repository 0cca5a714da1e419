#include "report/plot.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace lsmc::report {

std::string plot(const std::string& title, const std::vector<Series>& series) {
  const double w = 760, h = 300, left = 60, bottom = 40, top = 30;
  const double per_page = double(kPageBytes / kEntryBytes);
  double ymax = 1;
  std::size_t n = 2;
  for (const Series& s : series) {
    n = std::max(n, s.r->samples.size());
    for (const Sample& v : s.r->samples) ymax = std::max({ymax, double(v.live), s.resident ? v.resident * per_page : 0.0});
  }
  auto x = [&](std::size_t i) { return left + (w - left - 10) * double(i) / double(n - 1); };
  auto y = [&](double v) { return top + (h - top - bottom) * (1 - v / ymax); };
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">" << title << "</text>\n"
    << "<line x1=\"" << left << "\" y1=\"" << y(0) << "\" x2=\"" << w - 10 << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << y(0) << "\" stroke=\"black\"/>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(ymax) + 4 << "\" text-anchor=\"end\">" << int(ymax) << "</text>\n"
    << "<text x=\"" << left - 8 << "\" y=\"" << y(0) + 4 << "\" text-anchor=\"end\">0</text>\n"
    << "<text x=\"" << (w + left) / 2 << "\" y=\"" << h - 8 << "\" text-anchor=\"middle\">fork/exit events</text>\n";
  double legend = top + 10;
  for (const Series& s : series) {
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\"" << s.dash << " points=\"";
    for (std::size_t i = 0; i < s.r->samples.size(); ++i) {
      const Sample& v = s.r->samples[i];
      o << x(i) << "," << y(s.resident ? v.resident * per_page : v.live) << " ";
    }
    o << "\"/>\n<text x=\"" << w - 290 << "\" y=\"" << legend << "\" fill=\"" << s.color << "\">" << s.label << "</text>\n";
    legend += 14;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace lsmc::report
