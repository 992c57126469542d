// `cuda` backend of swiglu (optimized/swiglu.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/swiglu.h"
#include "reference/swiglu.h"

namespace v4::harness::cuda {
namespace {

Backend swiglu_backend() {
  CudaBackendSpec s;
  s.description = "persistent blocks gathering silu from a 132 KiB shared-memory table of the "
                  "device's double silu for |g| < 32 (direct double path below the threshold and "
                  "for codes outside the table; optimized/swiglu.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), inter = c.i64("inter");
    optimized::swiglu_clamp_bf16(a.out<bf16>("h", {rows, inter}), a.in<bf16>("g"), a.in<bf16>("u"),
                                 c.i64("routed") ? a.in<float>("route") : nullptr, rows, inter,
                                 reference::kSwigluLimit, st);
  };
  s.dispatch_thresholds = [](const Case& c) {
    return std::vector<int64_t>{optimized::swiglu_table_threshold(c.i64("inter"))};
  };
  s.dispatch_path = [](const Case& c, int64_t rows) {
    return rows >= optimized::swiglu_table_threshold(c.i64("inter"))
               ? std::string("silu table, persistent")
               : std::string("direct double silu");
  };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("swiglu", swiglu_backend);
} // namespace v4::harness::cuda
