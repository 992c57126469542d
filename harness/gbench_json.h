// Google Benchmark JSON interop, so existing tooling (compare.py, dashboards that read that
// format) can read our results and we can gate theirs.
// Export: one "iteration" entry per raw sample (repetitions = samples, iterations = 1, manual
// time) plus mean/median/stddev/cv aggregates, per timed case of a run; names follow
// benchmarks/registry_benchmark.cpp ("<op>/<backend>/<case parameters>") and extra v4_* fields
// carry what the name cannot (case key, role, device, cost model bytes and flops).
// Import: one run of kind 'import'; iteration entries grouped by run_name become raw samples,
// errored benchmarks become failed 'execution' checks, aggregate-only files keep the aggregate.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "harness/store.h"

namespace v4::harness {

class GbenchError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

std::string export_gbench_json(Store& store, int64_t run_id);

struct GbenchImportOptions {
  std::string origin = "<json>"; // file name, for messages and the run's command line
  std::string tag{};             // runs.tag of the imported run
  std::string git_commit{};      // overrides the context's git_commit
};
// Returns the new run id; throws GbenchError for input that is not Google Benchmark JSON.
int64_t import_gbench_json(Store& store, const std::string& text,
                           const GbenchImportOptions& options);

} // namespace v4::harness
