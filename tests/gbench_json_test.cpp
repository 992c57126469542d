// Google Benchmark JSON interop: a run exported and imported back keeps its cases and raw samples
// (so the gate sees no difference), and a file written by Google Benchmark itself (repetitions,
// aggregates, microseconds, an errored benchmark) imports with the right samples and a failed
// execution check.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/gate.h"
#include "harness/gbench_json.h"
#include "synthetic_runs.h"

namespace v4::harness {
namespace {

using testing::TempDir;

std::vector<double> samples_of(Store& store, int64_t run, const std::string& key,
                               const std::string& backend) {
  auto st = store.prepare("SELECT s.seconds FROM samples s JOIN cases c USING (case_id) WHERE "
                          "c.run_id = ? AND c.case_key = ?"
                          " AND c.backend = ? ORDER BY s.sample_index");
  st->bind(1, run).bind(2, key).bind(3, backend);
  std::vector<double> out;
  while (st->step())
    out.push_back(st->column_double(0));
  return out;
}

TEST(GbenchJson, ExportThenImportKeepsSamplesAndCases) {
  TempDir dir("gbench-roundtrip");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const auto cases = testing::synthetic_cases(6);
  const int64_t run = testing::add_synthetic_run(*store, cases, {.seed = 5, .samples = 12});
  const std::string text = export_gbench_json(*store, run);
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["context"]["json_schema_version"], 1);
  EXPECT_EQ(doc["context"]["git_commit"], "0123456789abcdef");
  ASSERT_EQ(doc["benchmarks"].size(), 6u * (12 + 4)); // 12 iterations + mean, median, stddev, cv
  const nlohmann::json& first = doc["benchmarks"][0];
  EXPECT_EQ(first["run_type"], "iteration");
  EXPECT_EQ(first["time_unit"], "ns");
  EXPECT_EQ(first["repetitions"], 12);
  EXPECT_EQ(first["iterations"], 1);
  EXPECT_EQ(first["name"].get<std::string>().rfind("act_quant/cuda/rows=", 0), 0u) << first["name"];

  const int64_t imported =
      import_gbench_json(*store, text, {.origin = "export.json", .tag = "roundtrip"});
  for (const auto& c : cases) {
    const auto a = samples_of(*store, run, c.key, c.backend),
               b = samples_of(*store, imported, c.key, c.backend);
    ASSERT_EQ(a.size(), b.size()) << c.key;
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(b[i] / a[i], 1.0, 1e-12);
  }
  auto st = store->prepare("SELECT kind, tag, git_commit FROM runs WHERE run_id = ?");
  st->bind(1, imported);
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_text(0), "import");
  EXPECT_EQ(st->column_text(1), "roundtrip");
  EXPECT_EQ(st->column_text(2), "0123456789abcdef");
  // Identical samples: the gate sees every case as the same.
  GateOptions o;
  o.baseline = std::to_string(run);
  o.candidate = "roundtrip";
  o.budget_path = "/nonexistent";
  const GateResult r = evaluate_gate(*store, o);
  EXPECT_EQ(r.exit_code, kGatePass) << r.headline;
  EXPECT_EQ(r.same, 6);
}

// As written by a Google Benchmark binary with --benchmark_repetitions=3 --benchmark_format=json.
constexpr const char* kGoogleBenchmarkOutput = R"({
  "context": {"date": "2025-01-02T03:04:05+00:00", "host_name": "ci-runner", "executable": "./bench",
              "num_cpus": 2, "mhz_per_cpu": 3000, "cpu_scaling_enabled": false,
              "caches": [], "load_avg": [0.5], "library_build_type": "release", "json_schema_version": 1},
  "benchmarks": [
    {"name": "BM_memcpy/8", "family_index": 0, "per_family_instance_index": 0, "run_name": "BM_memcpy/8",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 0, "threads": 1, "iterations": 1000,
     "real_time": 1.5, "cpu_time": 1.4, "time_unit": "us", "bytes_per_second": 5333333333.3333},
    {"name": "BM_memcpy/8", "family_index": 0, "per_family_instance_index": 0, "run_name": "BM_memcpy/8",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 1, "threads": 1, "iterations": 1000,
     "real_time": 1.6, "cpu_time": 1.5, "time_unit": "us", "bytes_per_second": 5.0e9},
    {"name": "BM_memcpy/8", "family_index": 0, "per_family_instance_index": 0, "run_name": "BM_memcpy/8",
     "run_type": "iteration", "repetitions": 3, "repetition_index": 2, "threads": 1, "iterations": 1000,
     "real_time": 1.7, "cpu_time": 1.6, "time_unit": "us", "bytes_per_second": 4705882352.9412},
    {"name": "BM_memcpy/8_mean", "family_index": 0, "per_family_instance_index": 0, "run_name": "BM_memcpy/8",
     "run_type": "aggregate", "repetitions": 3, "threads": 1, "aggregate_name": "mean", "aggregate_unit": "time",
     "iterations": 3, "real_time": 1.6, "cpu_time": 1.5, "time_unit": "us"},
    {"name": "rms_norm/cuda/rows=64 dim=4096 seed=1", "family_index": 1, "per_family_instance_index": 0,
     "run_name": "rms_norm/cuda/rows=64 dim=4096 seed=1", "run_type": "iteration", "repetitions": 1,
     "repetition_index": 0, "threads": 1, "iterations": 500, "real_time": 20.0, "cpu_time": 20.0,
     "time_unit": "ms"},
    {"name": "BM_broken", "family_index": 2, "per_family_instance_index": 0, "run_name": "BM_broken",
     "run_type": "iteration", "repetitions": 1, "repetition_index": 0, "threads": 1, "iterations": 0,
     "error_occurred": true, "error_message": "cudaErrorLaunchFailure"}
  ]
})";

TEST(GbenchJson, ImportsGoogleBenchmarkOutput) {
  TempDir dir("gbench-import");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  const int64_t run = import_gbench_json(*store, kGoogleBenchmarkOutput, {.origin = "bench.json"});
  const auto memcpy = samples_of(*store, run, "BM_memcpy/8", "gbench");
  ASSERT_EQ(memcpy.size(), 3u);
  EXPECT_NEAR(memcpy[0], 1.5e-6, 1e-18);
  EXPECT_NEAR(memcpy[2], 1.7e-6, 1e-18);
  // A registry benchmark name maps back to its op, backend and case key.
  const auto rms = samples_of(*store, run, "rms_norm rows=64 dim=4096 seed=1", "cuda");
  ASSERT_EQ(rms.size(), 1u);
  EXPECT_NEAR(rms[0], 0.02, 1e-15);
  auto st = store->prepare("SELECT k.check_name, k.passed, k.detail, r.host, r.started_at FROM "
                           "checks k JOIN cases c USING (case_id)"
                           " JOIN runs r USING (run_id) WHERE c.run_id = ?");
  st->bind(1, run);
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_text(0), "execution");
  EXPECT_EQ(st->column_int(1), 0);
  EXPECT_NE(st->column_text(2).find("cudaErrorLaunchFailure"), std::string::npos);
  EXPECT_EQ(st->column_text(3), "ci-runner");
  EXPECT_EQ(st->column_text(4), "2025-01-02T03:04:05+00:00");
  EXPECT_FALSE(st->step());
  // 8000 bytes an iteration (bytes_per_second × real_time) over the median 1.6 µs: 5 GB/s.
  auto t = store->prepare(
      "SELECT t.gbps FROM timings t JOIN cases c USING (case_id) WHERE c.case_key = 'BM_memcpy/8'");
  ASSERT_TRUE(t->step());
  EXPECT_NEAR(t->column_double(0), 5.0, 1e-6);
}

TEST(GbenchJson, RejectsWhatIsNotGoogleBenchmarkJson) {
  TempDir dir("gbench-bad");
  auto store = Store::open(dir.file("r.sqlite"), Store::Mode::read_write);
  EXPECT_THROW(import_gbench_json(*store, "{not json", {}), GbenchError);
  EXPECT_THROW(import_gbench_json(*store, R"({"context": {}})", {}), GbenchError);
  EXPECT_THROW(import_gbench_json(
                   *store,
                   R"({"benchmarks": [{"name": "x", "real_time": 1, "time_unit": "fortnights"}]})",
                   {}),
               GbenchError);
  auto st = store->prepare("SELECT count(*) FROM runs");
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 0); // nothing half-imported
}

} // namespace
} // namespace v4::harness
