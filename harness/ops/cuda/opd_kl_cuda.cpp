// `cuda` backends of log_softmax and opd_kl (optimized/opd_kl.h): one block per row, double
// online log-sum-exp in a fixed order, a second pass for the outputs. No dispatch thresholds: the
// launch is the same for every row count.
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/opd_kl.h"

namespace v4::harness::cuda {
namespace {

Backend log_softmax_backend() {
  CudaBackendSpec s;
  s.description = "block of 256 per row, online double log-sum-exp, fp32 double-float output "
                  "(optimized/opd_kl.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), vocab = c.i64("vocab");
    if (c.i64("out") == 1) {
      optimized::log_softmax(a.out<float>("y", {rows, vocab}), a.in<bf16>("x"), rows, vocab, st);
    } else {
      optimized::log_softmax(a.out<bf16>("y", {rows, vocab}), a.in<bf16>("x"), rows, vocab, st);
    }
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block of 256 per row"); };
  return make_cuda_backend(std::move(s));
}

Backend opd_kl_backend() {
  CudaBackendSpec s;
  s.description =
      "block of 256 per row, online double sums, KL = a/S - C, gradient pass (optimized/opd_kl.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), vocab = c.i64("vocab");
    optimized::opd_kl(a.out<float>("kl", {rows}), a.out<float>("grad", {rows, vocab}),
                      a.in<float>("student"), a.in<float>("teacher"), rows, vocab, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block of 256 per row"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("log_softmax", log_softmax_backend);
V4_REGISTER_BACKEND("opd_kl", opd_kl_backend);
} // namespace v4::harness::cuda
