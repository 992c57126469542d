// `cuda` backend of fp4_to_fp8 (optimized/fp4_to_fp8.h). The device part (check + convert, no host
// round trip) is what is launched and timed; the report is built on the host from the per-block
// stats afterwards. When the report says nothing was written, the outputs must still hold their
// poison bytes (the kernels wrote nothing, D7): they are then returned as the reference's zeros.
#include <fmt/format.h>

#include <cstring>

#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/fp4_to_fp8_report.h"
#include "optimized/fp4_to_fp8.h"

namespace v4::harness::cuda {
namespace {

bool all_bytes(const Tensor& t, unsigned char v) {
  for (size_t i = 0; i < t.nbytes(); ++i) {
    if (static_cast<unsigned char>(t.bytes()[i]) != v) return false;
  }
  return true;
}

Backend fp4_to_fp8_backend() {
  CudaBackendSpec s;
  s.description = "check 128x128 blocks, device flag, convert (optimized/fp4_to_fp8.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t n = c.i64("n"), k = c.i64("k");
    const int64_t blocks = (n / 128) * (k / 128);
    optimized::fp4_to_fp8_launch(a.out<e4m3>("w8", {n, k}), a.out<ue8m0>("f", {n / 128, k / 128}),
                                 a.out<int64_t>("block_stats", {blocks, optimized::kFp4BlockStats}),
                                 a.out<int32_t>("flag", {1}), a.in<e2m1x2>("w4"), a.in<ue8m0>("e"), n, k,
                                 fp4_to_fp8_options(c.i64_or("check", 0), c.i64_or("lossy", 0)), st);
  };
  s.finish = [](const Case& c, DeviceArgs&, TensorMap& out) {
    const int64_t n = c.i64("n"), k = c.i64("k");
    const Tensor& stats = out.at("block_stats");
    std::vector<int64_t> host(size_t(stats.numel()));
    std::memcpy(host.data(), stats.bytes(), stats.nbytes());
    const auto report = optimized::fp4_to_fp8_report(host, n, k, fp4_to_fp8_options(c.i64_or("check", 0), c.i64_or("lossy", 0)));
    if (!report.written) {
      for (const char* name : {"w8", "f"}) {
        if (!all_bytes(out.at(name), kPoison)) {
          throw std::runtime_error(fmt::format("fp4_to_fp8: output '{}' was written although the report says "
                                               "nothing may be (D7)", name));
        }
        out.at(name) = Tensor(out.at(name).dtype(), out.at(name).shape());  // the reference's zeros
      }
    }
    out.erase("block_stats");
    out.erase("flag");
    out.emplace("report", fp4_to_fp8_report_tensor(report));
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block per 128x128"); };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("fp4_to_fp8", fp4_to_fp8_backend);
}  // namespace v4::harness::cuda
