// `cuda` backend of act_quant (optimized/act_quant.h).
#include <fmt/format.h>

#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/act_quant.h"

namespace v4::harness::cuda {
namespace {

Backend act_quant_backend() {
  CudaBackendSpec s;
  s.description = "16 lanes per 128-block, shuffle max, cvt.rn.satfinite.e4m3x2 (optimized/act_quant.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), cols = c.i64("cols");
    optimized::act_quant(a.out<e4m3>("q", {rows, cols}), a.out<ue8m0>("s", {rows, cols / 128}), a.in<bf16>("x"), rows,
                         cols, st);
  };
  s.dispatch_thresholds = [](const Case& c) {
    return std::vector<int64_t>{optimized::act_quant_schedule_threshold(c.i64("cols"))};
  };
  s.dispatch_path = [](const Case& c, int64_t rows) {
    return rows > optimized::act_quant_schedule_threshold(c.i64("cols")) ? std::string("grid-stride, looping")
                                                                          : std::string("grid-stride, one pass");
  };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("act_quant", act_quant_backend);
}  // namespace v4::harness::cuda
