// The harness run: for every selected op × case × available backend, run the reference and the
// backend, then accuracy, determinism, batch invariance, domain properties and timing; store
// everything in one transaction; return the totals. Negative-control backends get only the
// check that must catch them, and count as passed when it does.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "harness/registry.h"
#include "harness/store.h"

namespace v4::harness {

struct RunOptions {
  std::string suite = "default";
  std::vector<std::string> ops;       // exact names or prefixes ending in '*'; empty: all
  std::vector<std::string> backends;  // backend names; empty: all available
  uint64_t seed = 0;                  // added to every case's seed
  int cpu_reruns = 3;                 // determinism reruns on CPU backends
  int gpu_reruns = 20;                // and on CUDA backends
  bool timing = true;
  bool invariance = true;
  bool progress = false;              // a live progress line on stderr
  std::string tag;
  std::vector<std::string> argv;
};

struct SummaryRow {
  std::string op, backend, role;
  int64_t cases = 0, checks = 0, failed = 0;
  double worst_ulp = 0;
  std::string worst_ulp_output;
  double median_s = 0, gbps = 0;       // of the largest case timed
  std::string largest_case;
  double largest_cost = -1;            // bytes + flops of largest_case
  std::vector<std::string> failures;   // replay strings
};

struct RunTotals {
  int64_t run_id = 0;
  int64_t passed = 0, failed = 0;
  std::vector<SummaryRow> rows;
  std::vector<std::string> skipped;    // "op/backend: reason"
};

// Resolves the op and backend filters; throws std::invalid_argument for unknown names.
std::vector<const OpSpec*> select_ops(const std::vector<std::string>& patterns);
void validate_backends(const std::vector<const OpSpec*>& ops, const std::vector<std::string>& backends);

RunTotals run_suite(Store& store, const RunOptions& options, std::ostream& log);
std::string format_summary_table(const RunTotals& totals);

// All checks for one case and backend (used by run_suite and replay). `reference_outputs` are
// the reference backend's outputs for `inputs`.
std::vector<CheckOutcome> run_case_checks(const OpSpec& op, const Backend& backend, const Case& c,
                                          const TensorMap& inputs, const TensorMap& reference_outputs,
                                          const TensorMap& outputs, const RunOptions& options);

}  // namespace v4::harness
