// Google Benchmark binary over the op registry: one benchmark per op × case × available backend
// (negative controls excluded), with manual time (steady clock on the host, the backend's own
// device timer on a GPU). Every raw iteration time and the derived statistics are written to the
// results database as one run of kind 'benchmark'; Google Benchmark's own reporters still work
// (--benchmark_format=json for existing tooling).
//
// Extra flags (before Google Benchmark's own): --suite=smoke|default|full, --db=PATH, --op=NAME,
// --backend=NAME (only that backend; inputs of the others are never generated).
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
  std::vector<Entry> entries;
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
    benchmark::RegisterBenchmark(name.c_str(), [&e, cost](benchmark::State& state) {
      TimingPlan one;
      one.warmup = 0;
      one.min_samples = one.max_samples = 1;
      for (auto _ : state) {
        const TimingResult r = e.backend->measure ? e.backend->measure(e.c, e.inputs, one)
                                                  : measure_host([&] { return e.backend->run(e.c, e.inputs); }, one);
        state.SetIterationTime(r.seconds.at(0));
        e.samples.push_back(r.seconds.at(0));
      }
      state.SetBytesProcessed(int64_t(cost.bytes) * state.iterations());
      state.counters["flops"] = benchmark::Counter(cost.flops * double(state.iterations()), benchmark::Counter::kIsRate);
    })->UseManualTime()->Unit(benchmark::kMicrosecond);
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
