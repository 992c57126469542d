// `cuda` backend of fp4_to_fp8 (optimized/fp4_to_fp8.h) for the registration of
// harness/ops/fp4_to_fp8_op.cpp: w4 [row_blocks, 128, k/2], e [row_blocks, 128, k/32] in; w8, f,
// the per-block violation flags and the 4-number report out. The device part (check + convert,
// no host round trip) is what is launched and timed; the report is built on the host from the
// per-block stats afterwards. When a violation stops the conversion, w8 and f must still hold the
// poison bytes the harness put there (0xFF, the reference's canary): the comparison with the
// reference then proves the kernels wrote nothing (D7).
#include <cstring>

#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/fp4_to_fp8_options.h"
#include "optimized/fp4_to_fp8.h"
#include "properties/fp4_to_fp8_invariants.h"

namespace v4::harness::cuda {
namespace {

static_assert(kPoison == properties::kFp4ToFp8Canary, "unwritten outputs must read as the reference's canary");

Backend fp4_to_fp8_backend() {
  CudaBackendSpec s;
  s.description = "check 128x128 blocks, device flag, convert (optimized/fp4_to_fp8.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rb = c.i64("row_blocks"), k = c.i64("k"), n = rb * 128;
    optimized::fp4_to_fp8_launch(a.out<e4m3>("w8", {rb, 128, k}), a.out<ue8m0>("f", {rb, k / 128}),
                                 a.out<int64_t>("block_stats", {rb * (k / 128), optimized::kFp4BlockStats}),
                                 a.out<int32_t>("flag", {1}), a.in<e2m1x2>("w4"), a.in<ue8m0>("e"), n, k,
                                 fp4_to_fp8_options(c), st);
  };
  s.finish = [](const Case& c, DeviceArgs&, TensorMap& out) {
    const int64_t rb = c.i64("row_blocks"), k = c.i64("k"), n = rb * 128;
    const Tensor& stats = out.at("block_stats");
    std::vector<int64_t> host(size_t(stats.numel()));
    std::memcpy(host.data(), stats.bytes(), stats.nbytes());
    const reference::Fp4ToFp8Report r = optimized::fp4_to_fp8_report(host, n, k, fp4_to_fp8_options(c));
    const properties::Fp4ToFp8Outcome o = properties::outcome_of(r, n, k);
    Tensor flags(DType::u8, {rb, k / 128}), report(DType::i64, {4});
    std::copy(o.violation_flags.begin(), o.violation_flags.end(), flags.data<uint8_t>());
    int64_t* rep = report.data<int64_t>();
    rep[0] = o.blocks, rep[1] = o.violations, rep[2] = o.worst_range, rep[3] = o.inexact;
    out.erase("block_stats");
    out.erase("flag");
    out.emplace("violations", std::move(flags));
    out.emplace("report", std::move(report));
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block per 128x128"); };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("fp4_to_fp8", fp4_to_fp8_backend);
}  // namespace v4::harness::cuda
