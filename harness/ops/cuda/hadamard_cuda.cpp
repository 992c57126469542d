// `cuda` backend of hadamard (optimized/hadamard.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/hadamard.h"

namespace v4::harness::cuda {
namespace {

Backend hadamard_backend() {
  CudaBackendSpec s;
  s.description =
      "16 lanes per row, double FWHT: 3 register stages, 4 half-exchange shuffle stages "
      "(optimized/hadamard.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), n = c.i64("n");
    optimized::hadamard(a.out<bf16>("y", {rows, n}), a.in<bf16>("x"), rows, n, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("16 lanes per row"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("hadamard", hadamard_backend);
} // namespace v4::harness::cuda
