// `cuda` backends of fp4_act_quant and fp4_act_quant_sim (optimized/fp4_act_quant.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/fp4_act_quant.h"

namespace v4::harness::cuda {
namespace {

void declare_schedule(CudaBackendSpec& s) {
  s.dispatch_thresholds = [](const Case& c) {
    return std::vector<int64_t>{optimized::fp4_act_quant_schedule_threshold(c.i64("cols"))};
  };
  s.dispatch_path = [](const Case& c, int64_t rows) {
    return rows > optimized::fp4_act_quant_schedule_threshold(c.i64("cols")) ? std::string("grid-stride, looping")
                                                                              : std::string("grid-stride, one pass");
  };
}

Backend fp4_act_quant_backend() {
  CudaBackendSpec s;
  s.description = "4 lanes per 32-block, shuffle max, RNE e2m1 table (optimized/fp4_act_quant.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), cols = c.i64("cols");
    optimized::fp4_act_quant(a.out<e2m1x2>("q", {rows, cols / 2}), a.out<ue8m0>("s", {rows, cols / 32}),
                             a.in<bf16>("x"), rows, cols, st);
  };
  declare_schedule(s);
  return make_cuda_backend(std::move(s));
}

Backend fp4_act_quant_sim_backend() {
  CudaBackendSpec s;
  s.description = "4 lanes per 32-block, quantize-dequantize to bf16 (optimized/fp4_act_quant.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), cols = c.i64("cols");
    optimized::fp4_act_quant_sim(a.out<bf16>("y", {rows, cols}), a.in<bf16>("x"), rows, cols, st);
  };
  declare_schedule(s);
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("fp4_act_quant", fp4_act_quant_backend);
V4_REGISTER_BACKEND("fp4_act_quant_sim", fp4_act_quant_sim_backend);
}  // namespace v4::harness::cuda
