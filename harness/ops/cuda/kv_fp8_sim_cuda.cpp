// `cuda` backend of kv_fp8_sim (optimized/kv_fp8_sim.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/kv_fp8_sim.h"

namespace v4::harness::cuda {
namespace {

Backend kv_fp8_sim_backend() {
  CudaBackendSpec s;
  s.description = "warp per row, 8 lanes per 64-block (optimized/kv_fp8_sim.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), dim = c.i64("dim");
    optimized::kv_fp8_sim(a.out<bf16>("y", {rows, dim}), a.in<bf16>("x"), rows, dim, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("warp per row"); };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("kv_fp8_sim", kv_fp8_sim_backend);
}  // namespace v4::harness::cuda
