// SPDX-License-Identifier: Apache-2.0
#include "svg-plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace inherent::eval::svg {
namespace {

// Chart geometry (SVG user units; the page scales the viewBox).
constexpr double kW = 360, kH = 240, kLeft = 48, kRight = 12, kTop = 24, kBottom = 40;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string tick_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return b;
}

struct Frame {
  Axes a;
  double px(double x) const { return kLeft + (x - a.x0) / (a.x1 - a.x0) * (kW - kLeft - kRight); }
  double py(double y) const { return kH - kBottom - (y - a.y0) / (a.y1 - a.y0) * (kH - kTop - kBottom); }
};

// Opening tag, title, the axes box with five ticks per axis, and the axis labels.
std::string open_chart(const Frame& f, std::string_view css_class) {
  std::string s = "<svg class=\"chart " + escape(css_class) + "\" viewBox=\"0 0 " + num(kW) + " " + num(kH) +
                  "\" width=\"" + num(kW) + "\" height=\"" + num(kH) +
                  "\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n";
  s += "<title>" + escape(f.a.title) + "</title>\n";
  s += "<text x=\"" + num(kW / 2) + "\" y=\"15\" text-anchor=\"middle\" class=\"t\">" + escape(f.a.title) +
       "</text>\n";
  const double l = kLeft, r = kW - kRight, t = kTop, b = kH - kBottom;
  s += "<path class=\"axis\" fill=\"none\" stroke=\"#444\" d=\"M" + num(l) + " " + num(t) + " V" + num(b) +
       " H" + num(r) + "\"/>\n";
  std::string grid, ticks;
  for (int i = 0; i <= 4; ++i) {
    const double xv = f.a.x0 + (f.a.x1 - f.a.x0) * i / 4, yv = f.a.y0 + (f.a.y1 - f.a.y0) * i / 4;
    const double x = f.px(xv), y = f.py(yv);
    grid += "M" + num(x) + " " + num(b) + " V" + num(t) + " M" + num(l) + " " + num(y) + " H" + num(r) + " ";
    ticks += "<text x=\"" + num(x) + "\" y=\"" + num(b + 13) + "\" text-anchor=\"middle\">" + tick_text(xv) +
             "</text><text x=\"" + num(l - 4) + "\" y=\"" + num(y + 3) + "\" text-anchor=\"end\">" +
             tick_text(yv) + "</text>\n";
  }
  s += "<path class=\"grid\" fill=\"none\" stroke=\"#ddd\" stroke-width=\"0.5\" d=\"" + grid + "\"/>\n" +
       ticks;
  s += "<text x=\"" + num((l + r) / 2) + "\" y=\"" + num(kH - 6) + "\" text-anchor=\"middle\">" +
       escape(f.a.x_label) + "</text>\n";
  s += "<text transform=\"translate(12 " + num((t + b) / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       escape(f.a.y_label) + "</text>\n";
  return s;
}

// Top right, or bottom right (where a ROC curve never runs).
std::string legend(const std::vector<std::pair<std::string, std::string>>& entries, bool bottom = false) {
  std::string s;
  size_t n = 0;
  for (const auto& e : entries) n += !e.first.empty();
  double y = bottom ? kH - kBottom - 6 - 12.0 * static_cast<double>(n - (n > 0)) : kTop + 10;
  for (const auto& [label, color] : entries) {
    if (label.empty()) continue;
    s += "<path d=\"M" + num(kW - kRight - 110) + " " + num(y - 3) + " h14\" stroke=\"" + escape(color) +
         "\" stroke-width=\"3\"/><text x=\"" + num(kW - kRight - 92) + "\" y=\"" + num(y) + "\">" +
         escape(label) + "</text>\n";
    y += 12;
  }
  return s;
}

std::string note_text(std::string_view note) {
  if (note.empty()) return "";
  return "<text class=\"note\" x=\"" + num((kLeft + kW - kRight) / 2) + "\" y=\"" +
         num((kTop + kH - kBottom) / 2) + "\" text-anchor=\"middle\">" + escape(note) + "</text>\n";
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Axes fit(const std::vector<Series>& series) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  Axes a;
  if (!(x0 <= x1)) return a;  // nothing finite: the unit box
  if (x0 == x1) x0 -= 1, x1 += 1;
  if (y0 == y1) y0 -= 1, y1 += 1;
  const double pad = 0.05 * (y1 - y0);
  a.x0 = x0, a.x1 = x1, a.y0 = y0 - pad, a.y1 = y1 + pad;
  return a;
}

std::string line_chart(const Axes& axes, const std::vector<Series>& series, std::string_view css_class,
                       std::string_view note) {
  const Frame f{axes};
  std::string s = open_chart(f, css_class);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const Series& x : series) {
    std::string pts;
    size_t n = 0;
    for (const auto& [px, py] : x.points) {
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      pts += num(f.px(px)) + "," + num(f.py(py)) + " ";
      ++n;
    }
    if (n == 0) continue;
    s += "<polyline class=\"series\" fill=\"none\" stroke=\"" + escape(x.color) + "\" stroke-width=\"" +
         (x.dashed ? "1" : "2") + "\"" + (x.dashed ? " stroke-dasharray=\"4 3\"" : "") + " points=\"" + pts +
         "\"><title>" + escape(x.label) + "</title></polyline>\n";
    if (n == 1) {  // a single point draws nothing as a polyline: mark it
      s += "<circle cx=\"" + num(f.px(x.points[0].first)) + "\" cy=\"" + num(f.py(x.points[0].second)) +
           "\" r=\"3\" fill=\"" + escape(x.color) + "\"/>\n";
    }
    keys.emplace_back(x.label, x.color);
  }
  s += legend(keys, css_class == "roc") + note_text(note) + "</svg>\n";
  return s;
}

std::string histogram_chart(const Axes& axes, const std::vector<Histogram>& classes, int bins,
                            double marker_x, std::string_view marker_label, std::string_view css_class) {
  bins = std::max(1, bins);
  // Shares per bin first: the y range is the largest share.
  std::vector<std::vector<double>> share(classes.size(), std::vector<double>(static_cast<size_t>(bins), 0.0));
  double top = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    size_t n = 0;
    for (double v : classes[c].values) {
      if (!std::isfinite(v)) continue;
      const double u = (v - axes.x0) / (axes.x1 - axes.x0);
      const int b = std::clamp(static_cast<int>(std::floor(u * bins)), 0, bins - 1);
      share[c][static_cast<size_t>(b)] += 1, ++n;
    }
    for (double& x : share[c]) {
      if (n) x /= static_cast<double>(n);
      top = std::max(top, x);
    }
  }
  Axes a = axes;
  a.y0 = 0, a.y1 = top > 0 ? std::min(1.0, top * 1.1) : 1;
  const Frame f{a};
  std::string s = open_chart(f, css_class);
  std::vector<std::pair<std::string, std::string>> keys;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::string d = "M" + num(f.px(a.x0)) + " " + num(f.py(0));
    for (int b = 0; b < bins; ++b) {
      const double xr = a.x0 + (a.x1 - a.x0) * (b + 1) / bins;
      d += " V" + num(f.py(share[c][static_cast<size_t>(b)])) + " H" + num(f.px(xr));
    }
    d += " V" + num(f.py(0)) + " Z";
    const std::string& color = classes[c].color;
    s += "<path class=\"bars\" fill=\"" + escape(color) + "\" fill-opacity=\"0.3\" stroke=\"" +
         escape(color) + "\" stroke-width=\"1.2\" d=\"" + d + "\"><title>" + escape(classes[c].label) + " (" +
         std::to_string(classes[c].values.size()) + ")</title></path>\n";
    keys.emplace_back(classes[c].label + " (" + std::to_string(classes[c].values.size()) + ")", color);
  }
  if (std::isfinite(marker_x)) {
    const double x = f.px(std::clamp(marker_x, a.x0, a.x1));
    s += "<path class=\"marker\" stroke=\"#000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\" d=\"M" +
         num(x) + " " + num(kH - kBottom) + " V" + num(kTop) + "\"/><text x=\"" + num(x + 3) + "\" y=\"" +
         num(kH - kBottom - 5) + "\">" + escape(marker_label) + "</text>\n";
  }
  s += legend(keys) + "</svg>\n";
  return s;
}

}  // namespace inherent::eval::svg
