// Inline SVG charts for the self-contained HTML report: no script, no external resource. Each
// chart is an <svg> element with a <title> (its accessible name) and a class naming its kind.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace v4::harness {

// Tick values covering [lo, hi] at 1/2/5 × 10^k steps, about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target);

// Bars of bucket counts on a log10(1 + count) scale (exact elements usually dwarf the rest);
// each bar carries its count in a <title>. class="chart histogram".
std::string svg_histogram(const std::vector<double>& counts, const std::vector<std::string>& labels,
                          const std::string& title, int width = 360, int height = 150);

struct SeriesPoint {
  double y = NAN, low = NAN, high = NAN; // NaN y: no point at this x
};
struct Series {
  std::string name;
  std::vector<SeriesPoint> points; // one per x label
};
// Lines over categorical x labels (e.g. one commit per run), a shaded low-high band per series
// and a legend. y is linear from 0, or logarithmic when the values span more than 30×.
// class="chart timeseries".
std::string svg_time_series(const std::vector<std::string>& x_labels,
                            const std::vector<Series>& series, const std::string& title,
                            const std::string& y_unit, int width = 580, int height = 240);

// A small horizontal box plot of the spread relative to the median, on median × (1 ± range):
// whiskers p10-p90, box q1-q3, a bar at the median (values beyond the range are clamped to its
// ends), so rows of very different times compare at a glance. class="chart spread".
std::string svg_spread(double p10, double q1, double median, double q3, double p90,
                       double range = 0.25, int width = 140, int height = 18);

// The report's series colours (colour-blind safe, Okabe-Ito), cycled.
const char* series_color(size_t i);

} // namespace v4::harness
