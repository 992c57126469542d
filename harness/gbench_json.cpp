#include "harness/gbench_json.h"

#include <cmath>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace v4::harness {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr double kNsPerSecond = 1e9;

std::string column_or(Statement& st, int col, const std::string& fallback = "") {
  return st.column_is_null(col) ? fallback : st.column_text(col);
}

} // namespace

std::string export_gbench_json(Store& store, int64_t run_id) {
  ordered_json doc;
  {
    auto st = store.prepare("SELECT started_at, host, command_line, build_type, git_commit, "
                            "git_dirty, gpu_name, cuda_version,"
                            " driver_version, suite, kind, tag FROM runs WHERE run_id = ?");
    st->bind(1, run_id);
    if (!st->step())
      throw GbenchError(fmt::format("run {} is not in '{}'", run_id, store.path()));
    ordered_json& ctx = doc["context"];
    ctx["date"] = st->column_text(0);
    ctx["host_name"] = column_or(*st, 1);
    ctx["executable"] = column_or(*st, 2, "v4harness");
    ctx["num_cpus"] = 0;
    ctx["mhz_per_cpu"] = 0;
    ctx["cpu_scaling_enabled"] = false;
    ctx["caches"] = json::array();
    ctx["load_avg"] = json::array();
    ctx["library_build_type"] = column_or(*st, 3, "release");
    ctx["json_schema_version"] = 1;
    // Custom context entries are strings, as AddCustomContext writes them.
    ctx["v4harness_run_id"] = std::to_string(run_id);
    const char* keys[] = {"git_commit",     "git_dirty", "gpu_name",       "cuda_version",
                          "driver_version", "suite",     "v4harness_kind", "v4harness_tag"};
    for (int i = 0; i < 8; ++i) {
      if (!st->column_is_null(4 + i))
        ctx[keys[i]] = st->column_text(4 + i);
    }
  }
  doc["benchmarks"] = json::array();
  auto cases = store.prepare("SELECT c.case_id, c.op, c.backend, c.backend_role, c.device, "
                             "c.case_key, t.n, t.median_s, t.mean_s, t.stdev_s,"
                             " t.bytes, t.flops FROM cases c JOIN timings t USING (case_id) WHERE "
                             "c.run_id = ? ORDER BY c.op, c.backend,"
                             " c.case_id");
  cases->bind(1, run_id);
  auto samples =
      store.prepare("SELECT seconds FROM samples WHERE case_id = ? ORDER BY sample_index");
  std::map<std::string, int64_t> family_of, instances;
  while (cases->step()) {
    const std::string op = cases->column_text(1), backend = cases->column_text(2),
                      key = cases->column_text(5);
    const std::string rest = key.rfind(op + " ", 0) == 0 ? key.substr(op.size() + 1) : key;
    const std::string name = fmt::format("{}/{}/{}", op, backend, rest);
    const std::string family = op + "/" + backend;
    if (!family_of.count(family))
      family_of[family] = int64_t(family_of.size());
    const double bytes = cases->column_double(10), flops = cases->column_double(11);
    samples->reset();
    samples->bind(1, cases->column_int(0));
    std::vector<double> s;
    while (samples->step())
      s.push_back(samples->column_double(0));
    if (s.empty() && !cases->column_is_null(7))
      s.push_back(cases->column_double(7)); // no raw samples stored
    ordered_json base;
    base["name"] = name;
    base["family_index"] = family_of[family];
    base["per_family_instance_index"] = instances[family]++;
    base["run_name"] = name;
    base["v4_op"] = op;
    base["v4_backend"] = backend;
    base["v4_case_key"] = key;
    base["v4_role"] = cases->column_text(3);
    base["v4_device"] = cases->column_text(4);
    base["v4_bytes"] = bytes;
    base["v4_flops"] = flops;
    for (size_t i = 0; i < s.size(); ++i) {
      ordered_json e = base;
      e["run_type"] = "iteration";
      e["repetitions"] = s.size();
      e["repetition_index"] = i;
      e["threads"] = 1;
      e["iterations"] = 1;
      e["real_time"] = s[i] * kNsPerSecond;
      e["cpu_time"] = s[i] * kNsPerSecond; // manual (device or wall) time; no CPU time is measured
      e["time_unit"] = "ns";
      if (bytes > 0)
        e["bytes_per_second"] = bytes / s[i];
      if (flops > 0)
        e["flops"] = flops / s[i];
      doc["benchmarks"].push_back(std::move(e));
    }
    if (s.size() >= 2) {
      const double mean = cases->column_double(8), median = cases->column_double(7),
                   sd = cases->column_double(9);
      const std::pair<const char*, double> aggregates[] = {
          {"mean", mean}, {"median", median}, {"stddev", sd}};
      for (const auto& [agg, value] : aggregates) {
        ordered_json e = base;
        e["name"] = name + "_" + agg;
        e["run_type"] = "aggregate";
        e["repetitions"] = s.size();
        e["threads"] = 1;
        e["aggregate_name"] = agg;
        e["aggregate_unit"] = "time";
        e["iterations"] = s.size();
        e["real_time"] = value * kNsPerSecond;
        e["cpu_time"] = value * kNsPerSecond;
        e["time_unit"] = "ns";
        doc["benchmarks"].push_back(std::move(e));
      }
      ordered_json cv = base;
      cv["name"] = name + "_cv";
      cv["run_type"] = "aggregate";
      cv["repetitions"] = s.size();
      cv["threads"] = 1;
      cv["aggregate_name"] = "cv";
      cv["aggregate_unit"] = "percentage";
      cv["iterations"] = s.size();
      cv["real_time"] = mean > 0 ? sd / mean : 0;
      cv["cpu_time"] = mean > 0 ? sd / mean : 0;
      cv["time_unit"] = "ns";
      doc["benchmarks"].push_back(std::move(cv));
    }
  }
  return doc.dump(2) + "\n";
}

} // namespace v4::harness
