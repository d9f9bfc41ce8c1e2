// SPDX-License-Identifier: Apache-2.0
//
// Small inline-SVG charts for the eval report (report-html.h): line charts (ROC curves,
// training curves) and overlaid histograms. Each chart is one self-contained <svg>
// element with its axes drawn as paths, so a page that holds it needs no script, font or
// file from anywhere else. Every text that goes in is escaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inherent::eval::svg {

// Text for HTML/SVG content and attribute values (& < > " ').
std::string escape(std::string_view text);

struct Axes {
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  std::string title, x_label, y_label;
};

struct Series {
  std::string label, color;
  std::vector<std::pair<double, double>> points;  // NaN coordinates are skipped
  bool dashed = false;
};

// The range of every finite point of the series (a little padding on y; a flat or empty
// range becomes [v - 1, v + 1] or [0, 1]).
Axes fit(const std::vector<Series>& series);

// Polylines in a box with ticked axes and a legend. `css_class` names the chart kind
// (the report's tests count charts by it); `note` is printed inside the plot area
// (e.g. why a curve is missing).
std::string line_chart(const Axes& axes, const std::vector<Series>& series, std::string_view css_class,
                       std::string_view note = "");

// One histogram per class over [axes.x0, axes.x1] in `bins` equal bins, each drawn as a
// filled step outline of the share of its values per bin (so classes of very different
// sizes stay comparable); a vertical marker at marker_x (NaN: none).
struct Histogram {
  std::string label, color;
  std::vector<double> values;
};
std::string histogram_chart(const Axes& axes, const std::vector<Histogram>& classes, int bins,
                            double marker_x, std::string_view marker_label, std::string_view css_class);

}  // namespace inherent::eval::svg
