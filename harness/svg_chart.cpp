#include "harness/svg_chart.h"

#include <algorithm>

#include <fmt/format.h>

#include "harness/xml_escape.h"

namespace v4::harness {

const char* series_color(size_t i) {
  static const char* kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                  "#E69F00", "#56B4E9", "#000000"};
  return kColors[i % (sizeof kColors / sizeof kColors[0])];
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi))
    return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw)
      break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

namespace {
std::string open_svg(const std::string& kind, const std::string& title, int width, int height) {
  return fmt::format(
      "<svg class=\"chart {}\" role=\"img\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"10\"><title>{}</title>",
      kind, width, height, width, height, xml_escape(title));
}
std::string tick_label(double v) {
  return fmt::format("{:.3g}", v);
}
} // namespace

std::string svg_histogram(const std::vector<double>& counts, const std::vector<std::string>& labels,
                          const std::string& title, int width, int height) {
  std::string s = open_svg("histogram", title, width, height);
  const double left = 34, right = 6, top = 8, bottom = 30;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double max_log = 0;
  for (double c : counts)
    max_log = std::max(max_log, std::log10(1 + c));
  const double scale = std::max(1.0, std::ceil(max_log - 1e-12)); // decades on the axis
  for (int p = 0; p <= int(scale); ++p) { // grid line at a count of about 10^p
    const double y = top + plot_h - plot_h * double(p) / scale;
    s += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>", left, y,
        left + plot_w, y);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">1e{}</text>", left - 3,
                     y + 3, p);
  }
  const size_t n = std::max<size_t>(counts.size(), 1);
  const double bw = plot_w / double(n);
  for (size_t i = 0; i < counts.size(); ++i) {
    const double h = plot_h * std::log10(1 + counts[i]) / scale;
    const double x = left + bw * double(i);
    s += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                     "height=\"{:.1f}\" fill=\"{}\">"
                     "<title>{}: {:.0f}</title></rect>",
                     x + 1, top + plot_h - h, std::max(1.0, bw - 2), h,
                     i == 0 ? "#009E73" : "#0072B2", xml_escape(i < labels.size() ? labels[i] : ""),
                     counts[i]);
    if (i < labels.size() && (n <= 12 || i % ((n + 11) / 12) == 0)) {
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                       x + bw / 2, top + plot_h + 12, xml_escape(labels[i]));
    }
  }
  s += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#333\"/>", left,
      top + plot_h, left + plot_w);
  s +=
      fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">ULP distance (bucket)</text>",
                  left + plot_w / 2, height - 4);
  return s + "</svg>";
}

std::string svg_time_series(const std::vector<std::string>& x_labels,
                            const std::vector<Series>& series, const std::string& title,
                            const std::string& y_unit, int width, int height) {
  std::string s = open_svg("timeseries", title, width, height);
  const size_t legend_rows = (series.size() + 3) / 4;
  const double left = 80, right = 10, top = 10, bottom = 44 + 12 * double(legend_rows);
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  double max_y = 0, min_y = INFINITY;
  for (const Series& se : series) {
    for (const SeriesPoint& p : se.points) {
      for (double v : {p.y, p.low, p.high}) {
        if (std::isfinite(v) && v > 0) {
          max_y = std::max(max_y, v);
          min_y = std::min(min_y, v);
        }
      }
    }
  }
  if (max_y <= 0)
    max_y = min_y = 1;
  // Backends of one case can differ by orders of magnitude (a CPU reference beside a kernel): a
  // log axis then, so every line keeps its shape; otherwise a linear axis from 0.
  const bool log_axis = max_y / min_y > 30;
  std::vector<double> ticks;
  double lo = 0, hi = 0;
  if (log_axis) {
    lo = std::floor(std::log10(min_y));
    hi = std::ceil(std::log10(max_y));
    for (double e = lo; e <= hi; ++e)
      ticks.push_back(std::pow(10.0, e));
  } else {
    ticks = nice_ticks(0, max_y * 1.05, 4);
    hi = std::max(max_y * 1.05, ticks.empty() ? 0.0 : ticks.back());
  }
  const size_t n = std::max<size_t>(x_labels.size(), 1);
  auto px = [&](size_t i) {
    return left + (n == 1 ? plot_w / 2 : plot_w * double(i) / double(n - 1));
  };
  auto py = [&](double v) {
    const double f = log_axis ? (std::log10(std::max(v, min_y)) - lo) / (hi - lo) : v / hi;
    return top + plot_h - plot_h * f;
  };
  for (double t : ticks) {
    s += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>", left,
        py(t), left + plot_w, py(t));
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", left - 4,
                     py(t) + 3, tick_label(t));
  }
  s += fmt::format(
      "<text transform=\"rotate(-90)\" x=\"{:.1f}\" y=\"12\" text-anchor=\"middle\">{}{}</text>",
      -(top + plot_h / 2), xml_escape(y_unit), log_axis ? " (log scale)" : "");
  const size_t label_every = (n + 9) / 10;
  for (size_t i = 0; i < x_labels.size(); ++i) {
    if (i % label_every != 0 && i + 1 != x_labels.size())
      continue;
    s += fmt::format("<text class=\"xlabel\" transform=\"translate({:.1f},{:.1f}) rotate(-35)\" "
                     "text-anchor=\"end\">{}</text>",
                     px(i), top + plot_h + 12, xml_escape(x_labels[i]));
  }
  s += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#333\"/>", left,
      top + plot_h, left + plot_w);
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& se = series[k];
    const char* color = series_color(k);
    // band: upper edge left to right, lower edge back, for each run of consecutive points
    std::string band_up, band_down, line;
    for (size_t i = 0; i < se.points.size() && i < n; ++i) {
      const SeriesPoint& p = se.points[i];
      if (!std::isfinite(p.y))
        continue;
      line += fmt::format("{}{:.1f},{:.1f}", line.empty() ? "" : " ", px(i), py(p.y));
      if (std::isfinite(p.low) && std::isfinite(p.high)) {
        band_up += fmt::format("{:.1f},{:.1f} ", px(i), py(p.high));
        band_down = fmt::format("{:.1f},{:.1f} ", px(i), py(p.low)) + band_down;
      }
    }
    if (!band_up.empty()) {
      s += fmt::format("<polygon class=\"band\" points=\"{}{}\" fill=\"{}\" fill-opacity=\"0.15\" "
                       "stroke=\"none\"/>",
                       band_up, band_down, color);
    }
    if (!line.empty()) {
      s += fmt::format("<polyline class=\"series\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"1.5\"/>",
                       line, color);
    }
    for (size_t i = 0; i < se.points.size() && i < n; ++i) {
      const SeriesPoint& p = se.points[i];
      if (!std::isfinite(p.y))
        continue;
      s += fmt::format("<circle class=\"point\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" "
                       "fill=\"{}\"><title>{} {}: {:.4g} {}"
                       "</title></circle>",
                       px(i), py(p.y), color, xml_escape(se.name),
                       xml_escape(i < x_labels.size() ? x_labels[i] : ""), p.y, xml_escape(y_unit));
    }
    const double lx = left + 8 + double(k % 4) * (plot_w / 4);
    const double ly = double(height) - 4 - 12 * double(legend_rows - 1 - k / 4);
    s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"3\" fill=\"{}\"/>"
                     "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                     lx, ly - 4, color, lx + 14, ly, xml_escape(se.name.substr(0, 28)));
  }
  return s + "</svg>";
}

std::string svg_spread(double p10, double q1, double median, double q3, double p90, double range,
                       int width, int height) {
  std::string s =
      open_svg("spread",
               fmt::format("p10 {:.4g}, q1 {:.4g}, median {:.4g}, q3 {:.4g}, p90 {:.4g}", p10, q1,
                           median, q3, p90),
               width, height);
  if (!(median > 0) || !(range > 0))
    return s + "</svg>";
  // x: relative deviation from the median, -range .. +range, the median in the middle
  auto x = [&](double v) {
    return 2 + (width - 4) * (0.5 + 0.5 * std::clamp((v / median - 1) / range, -1.0, 1.0));
  };
  const double mid = height / 2.0;
  s += fmt::format("<line x1=\"{0:.1f}\" y1=\"1\" x2=\"{0:.1f}\" y2=\"{1:.1f}\" stroke=\"#eee\"/>",
                   x(median), double(height - 1));
  s +=
      fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#555\"/>",
                  x(p10), mid, x(p90), mid);
  s += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#cfe3f3\" "
      "stroke=\"#0072B2\"/>",
      x(q1), mid - 5, std::max(1.0, x(q3) - x(q1)), 10.0);
  s += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#D55E00\" "
      "stroke-width=\"2\"/>",
      x(median), mid - 6, mid + 6);
  return s + "</svg>";
}

} // namespace v4::harness
