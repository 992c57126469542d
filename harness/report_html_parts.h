// Internal to the HTML report (report_html*.cpp): its sections and small formatting helpers.
#pragma once

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "harness/store.h"
#include "harness/xml_escape.h"

namespace v4::harness::html {

inline std::string esc(const std::string& s) {
  return xml_escape(s);
}

// A time unit suited to values up to `max_seconds`: {scale to multiply seconds by, unit name}.
struct TimeUnit {
  double scale;
  const char* name;
};
inline TimeUnit time_unit_for(double max_seconds) {
  if (max_seconds < 1e-3)
    return {1e6, "µs"};
  if (max_seconds < 1)
    return {1e3, "ms"};
  return {1, "s"};
}
inline std::string seconds(double s) {
  if (!std::isfinite(s) || s <= 0)
    return "–";
  const TimeUnit u = time_unit_for(s);
  return fmt::format("{:.4g} {}", s * u.scale, u.name);
}
inline std::string number(double v, const char* spec = "{:.3g}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(spec), v) : "–";
}

bool table_exists(Store& store, const std::string& name);

std::string numerics_section(Store& store, int64_t run_id);
std::string invariance_section(Store& store, int64_t run_id);
std::string performance_section(Store& store, int64_t run_id);
std::string gate_section(Store& store, int64_t run_id);
// `first`: the section heading (id="provenance") goes with the first run shown.
std::string provenance_section(Store& store, int64_t run_id, bool first = true);

} // namespace v4::harness::html
