// Google Benchmark binary over the op registry: one benchmark per op × case × available backend
// (negative controls excluded), with manual time. Every raw sample and the derived statistics are
// written to the results database as one run of kind 'benchmark'; Google Benchmark's own
// reporters still work (--benchmark_format=json for existing tooling).
//   Host backends: Google Benchmark picks the iteration count; one steady-clock sample each.
//   Device backends: exactly one iteration, which is one call of the backend's device timer with
//   --samples samples (CUDA events, warm-up, L2 flushed before each): uploading a full-size case
//   costs far more than a kernel, so letting Google Benchmark pick thousands of iterations (one
//   upload each) took minutes per case. The iteration's time is the median of those samples.
//
// Extra flags (before Google Benchmark's own): --suite=smoke|default|full, --db=PATH, --op=NAME,
// --backend=NAME (only that backend; inputs of the others are never generated), --samples=N
// (device samples per case, default 50; the CUDA backends take at least 50 unless asked for 1).
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/ceilings.h"
#include "harness/provenance.h"
#include "harness/registry.h"
#include "harness/runner.h"
#include "harness/store.h"

namespace {

using namespace v4::harness;

struct Entry {
  const OpSpec* op;
  const Backend* backend;
  Case c;
  TensorMap inputs;
  std::vector<double> samples;
};

std::string take_flag(std::vector<char*>& args, const char* name, std::string fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (std::strncmp(*it, prefix.c_str(), prefix.size()) == 0) {
      std::string v = *it + prefix.size();
      args.erase(it);
      return v;
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> argv_strings(argv, argv + argc);
  std::vector<char*> args(argv, argv + argc);
  const std::string suite_text = take_flag(args, "suite", "smoke");
  const std::string db_path = take_flag(args, "db", "");
  const std::string op_filter = take_flag(args, "op", "");
  const std::string backend_filter = take_flag(args, "backend", "");
  const std::string samples_text = take_flag(args, "samples", "50");
  std::vector<Entry> entries;
  int device_samples = 0;
  try {
    std::size_t used = 0;
    device_samples = std::stoi(samples_text, &used);
    if (used != samples_text.size() || device_samples < 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    fmt::print(stderr, "v4_benchmarks: error: --samples must be a positive integer, not '{}'\n", samples_text);
    return 3;
  }
  try {
    const Suite suite = suite_from_name(suite_text);
    for (const OpSpec* op : select_ops(op_filter.empty() ? std::vector<std::string>{} : std::vector<std::string>{op_filter})) {
      for (const Case& c : op->cases(suite)) {
        for (const Backend& b : op->backends) {
          if (b.role == BackendRole::negative_control || !b.availability().empty()) continue;
          if (!backend_filter.empty() && b.name != backend_filter) continue;
          entries.push_back({op, &b, c, op->make_inputs(c), {}});
        }
      }
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "v4_benchmarks: error: {}\n", e.what());
    return 3;
  }
  for (Entry& e : entries) {
    const std::string name = fmt::format("{}/{}/{}", e.op->name, e.backend->name, e.c.key().substr(e.op->name.size() + 1));
    const Cost cost = e.op->cost ? e.op->cost(e.c) : Cost{};
    auto* bench = benchmark::RegisterBenchmark(name.c_str(), [&e, cost, device_samples](benchmark::State& state) {
      for (auto _ : state) {
        if (e.backend->measure) {
          TimingPlan plan;
          plan.warmup = 5;
          plan.min_samples = plan.max_samples = device_samples;
          const TimingResult r = e.backend->measure(e.c, e.inputs, plan);
          e.samples.insert(e.samples.end(), r.seconds.begin(), r.seconds.end());
          state.SetIterationTime(summarize(r.seconds).median);
          state.counters["samples"] = double(r.seconds.size());
        } else {
          TimingPlan one;
          one.warmup = 0;
          one.min_samples = one.max_samples = 1;
          const TimingResult r = measure_host([&] { return e.backend->run(e.c, e.inputs); }, one);
          state.SetIterationTime(r.seconds.at(0));
          e.samples.push_back(r.seconds.at(0));
        }
      }
      state.SetBytesProcessed(int64_t(cost.bytes) * state.iterations());
      state.counters["flops"] = benchmark::Counter(cost.flops * double(state.iterations()), benchmark::Counter::kIsRate);
    });
    bench->UseManualTime()->Unit(benchmark::kMicrosecond);
    if (e.backend->measure) bench->Iterations(1);
  }
  int bench_argc = int(args.size());
  benchmark::Initialize(&bench_argc, args.data());
  if (benchmark::ReportUnrecognizedArguments(bench_argc, args.data())) return 3;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  if (db_path.empty()) return 0;
  try {
    auto store = Store::open(db_path, Store::Mode::read_write);
    const int64_t run = store->begin_run(collect_provenance("benchmark", suite_text, 0, argv_strings));
    for (const Entry& e : entries) {
      if (e.samples.empty()) continue;  // filtered out by --benchmark_filter
      TimingRecord rec;
      rec.result.seconds = e.samples;
      rec.result.method = std::string("google_benchmark+") + (e.backend->measure ? "device_timer" : "steady_clock");
      rec.stats = summarize(e.samples);
      rec.cost = e.op->cost ? e.op->cost(e.c) : Cost{};
      if (rec.stats.median > 0) {
        rec.gbps = rec.cost.bytes / rec.stats.median / 1e9;
        rec.tflops = rec.cost.flops / rec.stats.median / 1e12;
      }
      if (e.backend->device == "cuda") {
        const Roofline r = roofline(rec.cost.bytes, rec.cost.flops, rec.stats.median);
        rec.roofline_fraction = r.fraction;
        rec.roofline = r.ceiling;
      }
      store->add_timing(store->add_case(run, *e.op, *e.backend, e.c), rec);
    }
    store->finish_run(run, 0, 0);
    fmt::print("benchmark results: {} (run {})\n", db_path, run);
  } catch (const std::exception& e) {
    fmt::print(stderr, "v4_benchmarks: error: {}\n", e.what());
    return 3;
  }
  return 0;
}
