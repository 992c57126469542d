// The self-contained HTML report of one run, read from the database alone: one file, inline CSS
// and inline SVG charts, nothing fetched (it opens offline). Sections:
//   numerics     per op, backend and output: worst and p99.99 ULP, relative error, calc_diff,
//                NaN/Inf parity, an error histogram; the first divergent element of each failure;
//   invariance   op × property (determinism, batch invariance, domain properties) × backend;
//   performance  per case: median and spread, GB/s, TFLOP/s, % of roofline, speed-up over the
//                other backends, and a time series of the medians across the stored runs;
//   gate         the latest gate decision about this run, when there is one;
//   provenance   the run's commit, build, GPU, host and command line.
#pragma once

#include <cstdint>
#include <string>

#include "harness/store.h"

namespace v4::harness {

std::string html_report(Store& store, int64_t run_id);
// Writes <dir>/index.html (creating dir) and returns its path.
std::string write_html_report(Store& store, int64_t run_id, const std::string& dir);

} // namespace v4::harness
