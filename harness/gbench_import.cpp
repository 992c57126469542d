// Google Benchmark JSON -> one 'import' run (see gbench_json.h).
#include <cmath>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/case_key.h"
#include "harness/ceilings.h"
#include "harness/gbench_json.h"

namespace v4::harness {

using nlohmann::json;

namespace {

double unit_seconds(const json& e, const std::string& origin) {
  const std::string unit = e.value("time_unit", "ns");
  if (unit == "ns")
    return 1e-9;
  if (unit == "us")
    return 1e-6;
  if (unit == "ms")
    return 1e-3;
  if (unit == "s")
    return 1;
  throw GbenchError(fmt::format("{}: benchmark '{}' has unknown time_unit '{}'", origin,
                                e.value("name", ""), unit));
}

struct Group {
  const json* first = nullptr;     // the group's first entry (names, v4_* fields)
  const json* iteration = nullptr; // its first iteration entry (bytes and flops rates)
  std::vector<double> samples;     // seconds per iteration, one per repetition
  double aggregate_median = NAN, aggregate_mean = NAN;
  int64_t repetitions = 0;
  std::string error;
};

struct Names {
  std::string op, backend, case_key, role = "candidate", device = "unknown";
};

// v4_* fields when present; else the registry benchmark's "<op>/<backend>/<k=v ...>" names; else a
// foreign benchmark: op = the name's first component, backend "gbench", the whole name as key.
Names names_of(const json& e, const std::string& run_name) {
  Names n;
  if (e.contains("v4_op") && e.contains("v4_backend") && e.contains("v4_case_key")) {
    n.op = e["v4_op"].get<std::string>();
    n.backend = e["v4_backend"].get<std::string>();
    n.case_key = e["v4_case_key"].get<std::string>();
    n.role = e.value("v4_role", n.role);
    n.device = e.value("v4_device", n.device);
    return n;
  }
  const size_t a = run_name.find('/'), b = a == std::string::npos ? a : run_name.find('/', a + 1);
  if (b != std::string::npos && run_name.find('=', b) != std::string::npos) {
    n.op = run_name.substr(0, a);
    n.backend = run_name.substr(a + 1, b - a - 1);
    n.case_key = n.op + " " + run_name.substr(b + 1);
    return n;
  }
  n.op = run_name.substr(0, a);
  n.backend = "gbench";
  n.case_key = run_name;
  return n;
}

std::string params_json(const std::string& case_key) {
  try {
    const Case c = Case::parse(case_key);
    nlohmann::ordered_json p;
    for (const auto& [k, v] : c.params)
      p[k] = v;
    p["seed"] = c.seed;
    return p.dump();
  } catch (const std::exception&) {
    return "{}";
  }
}

} // namespace

int64_t import_gbench_json(Store& store, const std::string& text, const GbenchImportOptions& o) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw GbenchError(fmt::format("{}: not valid JSON ({})", o.origin, e.what()));
  }
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array()) {
    throw GbenchError(
        fmt::format("{}: not Google Benchmark JSON (no 'benchmarks' array)", o.origin));
  }
  const json ctx = doc.value("context", json::object());
  auto ctx_text = [&](const char* key) {
    return ctx.contains(key) && ctx[key].is_string() ? ctx[key].get<std::string>() : std::string();
  };
  // Group repetitions of one benchmark, in file order.
  std::vector<std::string> order;
  std::map<std::string, Group> groups;
  for (const json& e : doc["benchmarks"]) {
    if (!e.is_object() || !e.contains("name"))
      throw GbenchError(fmt::format("{}: a benchmark without a name", o.origin));
    const std::string run_name = e.value("run_name", e["name"].get<std::string>());
    auto [it, fresh] = groups.try_emplace(run_name);
    Group& g = it->second;
    if (fresh)
      order.push_back(run_name);
    if (!g.first)
      g.first = &e;
    if (e.value("error_occurred", false)) {
      g.error = e.value("error_message", "error_occurred");
      continue;
    }
    const std::string type = e.value("run_type", "iteration");
    const double t = e.value("real_time", double(NAN)) * unit_seconds(e, o.origin);
    if (type == "aggregate") {
      const std::string agg = e.value("aggregate_name", "");
      if (agg == "median")
        g.aggregate_median = t;
      if (agg == "mean")
        g.aggregate_mean = t;
      g.repetitions = std::max<int64_t>(g.repetitions, e.value("repetitions", int64_t(0)));
      continue;
    }
    if (!std::isfinite(t) || t <= 0) {
      throw GbenchError(fmt::format("{}: benchmark '{}' has real_time {}", o.origin, run_name,
                                    e.value("real_time", double(NAN))));
    }
    g.samples.push_back(t);
    if (!g.iteration)
      g.iteration = &e;
  }

  RunInfo info;
  info.kind = "import";
  info.tag = o.tag;
  info.started_at = ctx_text("date");
  info.host = ctx_text("host_name");
  info.build_type = ctx_text("library_build_type");
  info.git_commit = o.git_commit.empty() ? ctx_text("git_commit") : o.git_commit;
  info.git_dirty = ctx_text("git_dirty") == "1";
  info.gpu_name = ctx_text("gpu_name");
  info.cuda_version = ctx_text("cuda_version");
  info.driver_version = ctx_text("driver_version");
  info.suite = ctx_text("suite");
  info.command_line = "import-gbench " + o.origin +
                      (ctx_text("executable").empty() ? "" : " (" + ctx_text("executable") + ")");
  const int64_t run = store.begin_run(info);
  int64_t passed = 0, failed = 0;
  try {
    for (const std::string& run_name : order) {
      const Group& g = groups[run_name];
      const json& e = *g.first;
      const Names n = names_of(e, run_name);
      const int64_t case_id = store.add_case(run, n.op, n.backend, n.role, n.device, n.case_key,
                                             params_json(n.case_key));
      if (!g.error.empty()) {
        CheckOutcome c;
        c.op = n.op;
        c.backend = n.backend;
        c.case_key = n.case_key;
        c.check = "execution";
        c.bound = "runs without error";
        c.detail = "Google Benchmark reported an error: " + g.error;
        store.add_check(case_id, c);
        ++failed;
        continue;
      }
      TimingRecord rec;
      rec.result.method = "google_benchmark_import";
      rec.result.seconds = g.samples;
      rec.stats = summarize(g.samples);
      if (g.samples.empty()) { // aggregates only: keep the summary, no raw samples
        rec.stats.median =
            std::isfinite(g.aggregate_median) ? g.aggregate_median : g.aggregate_mean;
        rec.stats.mean = std::isfinite(g.aggregate_mean) ? g.aggregate_mean : rec.stats.median;
        rec.stats.n = g.repetitions;
        rec.result.note = "aggregates only: no raw samples in the file";
        if (!std::isfinite(rec.stats.median))
          continue;
      }
      const double median = rec.stats.median;
      // Rates are per entry: bytes per iteration = bytes_per_second × that entry's time.
      const json& rate = g.iteration ? *g.iteration : e;
      const double entry_seconds = g.iteration ? g.samples.front() : median;
      rec.cost.bytes = e.contains("v4_bytes") ? e["v4_bytes"].get<double>()
                                              : rate.value("bytes_per_second", 0.0) * entry_seconds;
      rec.cost.flops = e.contains("v4_flops") ? e["v4_flops"].get<double>()
                                              : rate.value("flops", 0.0) * entry_seconds;
      if (median > 0) {
        rec.gbps = rec.cost.bytes / median / 1e9;
        rec.tflops = rec.cost.flops / median / 1e12;
      }
      if (n.device == "cuda") {
        const Roofline r = roofline(rec.cost.bytes, rec.cost.flops, median);
        rec.roofline_fraction = r.fraction;
        rec.roofline = r.ceiling;
      }
      store.add_timing(case_id, rec);
    }
    store.finish_run(run, passed, failed);
  } catch (...) {
    store.abort_run();
    throw;
  }
  return run;
}

} // namespace v4::harness
