// The self-contained HTML report of one run, or of several (the latest case of every op, backend
// and case key among them: e.g. the per-op runs of one GPU session), read from the database alone: one file, inline CSS
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
#include <vector>

#include "harness/store.h"

namespace v4::harness {

std::string html_report(Store& store, const std::vector<int64_t>& runs);
// Writes <dir>/index.html (creating dir) and returns its path.
std::string write_html_report(Store& store, const std::vector<int64_t>& runs, const std::string& dir);
inline std::string html_report(Store& store, int64_t run_id) {
  return html_report(store, std::vector<int64_t>{run_id});
}
inline std::string write_html_report(Store& store, int64_t run_id, const std::string& dir) {
  return write_html_report(store, std::vector<int64_t>{run_id}, dir);
}
// The finished runs tagged `tag`, oldest first; throws StoreError when there are none.
std::vector<int64_t> tagged_runs(Store& store, const std::string& tag);
// "all" (every finished run) or a list of ids and ranges ("3,5,8-12"), each a finished run of the
// database, in ascending order; throws std::invalid_argument / StoreError otherwise.
std::vector<int64_t> parse_runs(Store& store, const std::string& spec);

} // namespace v4::harness
