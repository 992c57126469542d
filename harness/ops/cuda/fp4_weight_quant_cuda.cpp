// `cuda` backend of fp4_weight_quant (optimized/fp4_weight_quant.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/fp4_weight_quant.h"

namespace v4::harness::cuda {
namespace {

Backend fp4_weight_quant_backend() {
  CudaBackendSpec s;
  s.description = "8 lanes per 32-block of fp32, shuffle max, RNE e2m1 table (optimized/fp4_weight_quant.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t n = c.i64("n"), k = c.i64("k");
    optimized::fp4_weight_quant(a.out<e2m1x2>("w4", {n, k / 2}), a.out<ue8m0>("s", {n, k / 32}), a.in<float>("w"), n,
                                k, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("grid-stride, 8 lanes per block"); };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("fp4_weight_quant", fp4_weight_quant_backend);
}  // namespace v4::harness::cuda
