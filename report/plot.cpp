#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace lsmc::report {

namespace {

constexpr double kPanelW = 400, kPanelH = 230, kLeft = 58, kRight = 14, kTop = 26, kBottom = 40;

// A round step for about four ticks up to `max`.
double tick_step(double max) {
  const double raw = max / 4;
  const double mag = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

void draw_panel(std::ostringstream& o, const Panel& p, double ox, double oy) {
  const double per_page = double(kPageBytes / kEntryBytes);
  double ymax = 1;
  std::size_t n = 2;
  for (const Series& s : p.series) {
    n = std::max(n, s.r->samples.size());
    for (const Sample& v : s.r->samples) ymax = std::max({ymax, double(v.live), s.resident ? v.resident * per_page : 0.0});
  }
  const double ystep = tick_step(ymax);
  ymax = std::ceil(ymax / ystep) * ystep;
  const double x0 = ox + kLeft, x1 = ox + kPanelW - kRight, y0 = oy + kPanelH - kBottom, y1 = oy + kTop;
  auto x = [&](double i) { return x0 + (x1 - x0) * i / double(n - 1); };
  auto y = [&](double v) { return y0 - (y0 - y1) * v / ymax; };
  o << "<text x=\"" << x0 << "\" y=\"" << oy + 16 << "\" font-size=\"12\">" << p.title << "</text>\n"
    << "<line x1=\"" << x0 << "\" y1=\"" << y0 << "\" x2=\"" << x1 << "\" y2=\"" << y0 << "\" stroke=\"black\"/>\n"
    << "<line x1=\"" << x0 << "\" y1=\"" << y1 << "\" x2=\"" << x0 << "\" y2=\"" << y0 << "\" stroke=\"black\"/>\n";
  for (double v = 0; v <= ymax + 1e-9; v += ystep) {
    o << "<line x1=\"" << x0 - 4 << "\" y1=\"" << y(v) << "\" x2=\"" << x1 << "\" y2=\"" << y(v) << "\" stroke=\"#ddd\"/>\n"
      << "<text x=\"" << x0 - 6 << "\" y=\"" << y(v) + 4 << "\" text-anchor=\"end\">" << int(v) << "</text>\n";
  }
  const double xstep = tick_step(double(n - 1));
  for (double i = 0; i <= double(n - 1) + 1e-9; i += xstep) {
    o << "<line x1=\"" << x(i) << "\" y1=\"" << y0 << "\" x2=\"" << x(i) << "\" y2=\"" << y0 + 4 << "\" stroke=\"black\"/>\n"
      << "<text x=\"" << x(i) << "\" y=\"" << y0 + 15 << "\" text-anchor=\"middle\">" << int(i) << "</text>\n";
  }
  o << "<text x=\"" << (x0 + x1) / 2 << "\" y=\"" << y0 + 30 << "\" text-anchor=\"middle\">fork/exit event</text>\n"
    << "<text transform=\"translate(" << ox + 14 << "," << (y0 + y1) / 2 << ") rotate(-90)\" text-anchor=\"middle\">entries</text>\n";
  for (const Series& s : p.series) {
    o << "<polyline fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\"" << s.dash << " points=\"";
    for (std::size_t i = 0; i < s.r->samples.size(); ++i) {
      const Sample& v = s.r->samples[i];
      o << x(double(i)) << "," << y(s.resident ? v.resident * per_page : v.live) << " ";
    }
    o << "\"/>\n";
  }
}

}  // namespace

std::string plot(const std::vector<Panel>& panels) {
  const std::size_t rows = (panels.size() + 1) / 2;
  const std::size_t legend_rows = panels.empty() ? 0 : panels.front().series.size();
  const double w = 2 * kPanelW, h = double(rows) * kPanelH + 16 * double(legend_rows) + 20;
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (std::size_t i = 0; i < panels.size(); ++i) draw_panel(o, panels[i], double(i % 2) * kPanelW, double(i / 2) * kPanelH);
  double ly = double(rows) * kPanelH + 12;
  if (!panels.empty()) {
    for (const Series& s : panels.front().series) {
      o << "<line x1=\"" << kLeft << "\" y1=\"" << ly - 4 << "\" x2=\"" << kLeft + 30 << "\" y2=\"" << ly - 4 << "\" stroke=\""
        << s.color << "\" stroke-width=\"2\"" << s.dash << "/>\n<text x=\"" << kLeft + 38 << "\" y=\"" << ly << "\">" << s.label
        << "</text>\n";
      ly += 16;
    }
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace lsmc::report
