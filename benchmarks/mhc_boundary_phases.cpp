// Latency breakdown of the one-launch decode boundary (optimized/mhc_boundary.cu, op mhc_boundary):
// where its ~19 us go against the 15 us target. Each iteration sweeps L2 (as the harness timing
// does; also without the sweep, to see what cold data and cold code cost), then times one launch
// with CUDA events while CTA 0 stamps its SM clock at every phase.
// Counters, medians over the iterations, in us (stamps converted at the device's reported SM
// clock): post (kernel start -> hc_post done: the HBM round trip of fn and the streams),
// partials, barrier1, owner (staged sums, gates, Sinkhorn), barrier2, y, kernel (start -> end)
// and outside = event time - kernel (launch and drain). Also with iters=1 (one Sinkhorn step) to
// show what the 20 iterations cost. Without a GPU every benchmark is skipped with the reason.
#include <benchmark/benchmark.h>

#ifdef V4_HAVE_CUDA
#include <cuda_runtime_api.h>

#include <array>
#include <string>
#include <vector>

#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/mhc_inputs.h"
#include "harness/ops/op_util.h"
#include "harness/registry.h"
#include "harness/timing.h"
#include "optimized/device_timer.h"
#include "optimized/mhc_boundary.h"

namespace {

using namespace v4;
using namespace v4::harness;

void boundary_phases(benchmark::State& state) {
  if (const std::string& why = optimized::cuda_unavailable_reason(); !why.empty()) {
    state.SkipWithError(("skipped: " + why).c_str());
    return;
  }
  const int64_t t = state.range(0), d = state.range(1);
  const int iters = int(state.range(2));
  const bool flush = state.range(3) != 0;
  const OpSpec& op = Registry::instance().get("mhc_boundary");
  const Case c = make_case("mhc_boundary", {{"tokens", t}, {"dim", d}, {"iters", iters}});
  const cudaStream_t st = cuda::harness_stream();
  cuda::DeviceArgs a(op.make_inputs(c), st);
  optimized::DeviceBuffer stamps_buf(sizeof(uint64_t) * optimized::kBoundaryPhases);
  auto* stamps = static_cast<uint64_t*>(stamps_buf.get());
  auto launch = [&](uint64_t* s) {
    optimized::hc_boundary_traced(
        a.out<bf16>("residual_out", {t, 4, d}), a.out<bf16>("y", {t, d}), a.out<float>("post_next", {t, 4}),
        a.out<float>("comb_next", {t, 4, 4}), a.in<bf16>("f"), a.in<bf16>("residual"), a.in<float>("post"),
        a.in<float>("comb"), a.in<float>("fn"), a.in<float>("base"), a.in<float>("scale"), t, d, iters, kHcEps,
        kNormEps, s, st);
  };
  int device = 0, clock_khz = 0;
  V4_CUDA_CHECK(cudaGetDevice(&device));
  V4_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  const double us_per_clock = 1e3 / double(clock_khz);
  for (int i = 0; i < 3; ++i) launch(stamps);  // warm-up
  cudaEvent_t e0, e1;
  V4_CUDA_CHECK(cudaEventCreate(&e0));
  V4_CUDA_CHECK(cudaEventCreate(&e1));
  constexpr int kSpans = optimized::kBoundaryPhases - 1;
  std::array<std::vector<double>, kSpans> spans;
  std::vector<double> kernel, outside;
  for (auto _ : state) {
    if (flush) optimized::l2_flush(st);
    V4_CUDA_CHECK(cudaEventRecord(e0, st));
    launch(stamps);
    V4_CUDA_CHECK(cudaEventRecord(e1, st));
    V4_CUDA_CHECK(cudaEventSynchronize(e1));
    float ms = 0;
    V4_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    std::array<uint64_t, optimized::kBoundaryPhases> s{};
    V4_CUDA_CHECK(cudaMemcpy(s.data(), stamps, sizeof(s), cudaMemcpyDeviceToHost));
    for (int p = 0; p < kSpans; ++p) spans[size_t(p)].push_back(double(s[size_t(p) + 1] - s[size_t(p)]) * us_per_clock);
    const double k = double(s[kSpans] - s[0]) * us_per_clock;
    kernel.push_back(k);
    outside.push_back(double(ms) * 1e3 - k);
    state.SetIterationTime(double(ms) * 1e-3);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  static const char* const kNames[kSpans] = {"post_us", "partials_us", "barrier1_us", "owner_us", "barrier2_us", "y_us"};
  for (int p = 0; p < kSpans; ++p) state.counters[kNames[p]] = summarize(spans[size_t(p)]).median;
  state.counters["kernel_us"] = summarize(kernel).median;
  state.counters["outside_us"] = summarize(outside).median;
}

}  // namespace

// tokens, dim, Sinkhorn iterations, L2 swept before each launch (1, as the harness) or not (0:
// fn, the scratch and the kernel's code stay in L2 from the previous launch)
BENCHMARK(boundary_phases)
    ->Args({1, 4096, 20, 1})
    ->Args({16, 7168, 20, 1})
    ->Args({1, 4096, 1, 1})
    ->Args({16, 7168, 1, 1})
    ->Args({1, 4096, 20, 0})
    ->Args({16, 7168, 20, 0})
    ->Args({1, 4096, 1, 0})
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(200);

#endif  // V4_HAVE_CUDA
