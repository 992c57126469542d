// `cuda` backend of swiglu (optimized/swiglu.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/swiglu.h"
#include "reference/swiglu.h"

namespace v4::harness::cuda {
namespace {

Backend swiglu_backend() {
  CudaBackendSpec s;
  s.description = "thread per 8 elements, 16-byte vectors, silu in double as the reference "
                  "(optimized/swiglu.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), inter = c.i64("inter");
    optimized::swiglu_clamp_bf16(a.out<bf16>("h", {rows, inter}), a.in<bf16>("g"), a.in<bf16>("u"),
                                 c.i64("routed") ? a.in<float>("route") : nullptr, rows, inter,
                                 reference::kSwigluLimit, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("elementwise"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("swiglu", swiglu_backend);
} // namespace v4::harness::cuda
