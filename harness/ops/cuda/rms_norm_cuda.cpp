// `cuda` backends of rms_norm and rms_norm_head (optimized/rms_norm.h), and the GPU negative
// control cuda_split_control: an rms_norm whose split count grows with the batch
// (optimized::rms_norm_split_control). The batch-invariance check must catch it.
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/rms_norm.h"

namespace v4::harness::cuda {
namespace {

constexpr float kNormEps = 1e-6f;  // as harness/ops/rms_norm_op.cpp

void launch_rms_norm(const Case& c, DeviceArgs& a, cudaStream_t st) {
  const int64_t rows = c.i64("rows"), dim = c.i64("dim");
  optimized::rms_norm(a.out<bf16>("y", {rows, dim}), a.in<bf16>("x"), a.in<float>("w"), rows, dim, kNormEps, st);
}

Backend rms_norm_backend() {
  CudaBackendSpec s;
  s.description = "block per row, row in registers, double sum of squares in a fixed order (optimized/rms_norm.cu)";
  s.launch = launch_rms_norm;
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block of 128 per row"); };
  return make_cuda_backend(std::move(s));
}

Backend split_control_backend() {
  CudaBackendSpec s;
  s.name = "cuda_split_control";
  s.role = BackendRole::negative_control;
  s.must_fail_check = "batch_invariance";
  s.description = "NEGATIVE CONTROL: rows > 64 take a split path: bf16 partials, mean over dim + 8 (off by one)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), dim = c.i64("dim");
    optimized::rms_norm_split_control(a.out<bf16>("y", {rows, dim}), a.in<bf16>("x"), a.in<float>("w"), rows, dim,
                                      kNormEps, st);
  };
  s.dispatch_thresholds = [](const Case&) { return std::vector<int64_t>{optimized::kSplitControlThreshold}; };
  s.dispatch_path = [](const Case&, int64_t rows) {
    return rows > optimized::kSplitControlThreshold ? std::string("4 bf16 partials") : std::string("1 partial");
  };
  return make_cuda_backend(std::move(s));
}

Backend rms_norm_head_backend() {
  CudaBackendSpec s;
  s.description = "warp per head, bf16 arithmetic as [C], double sum (optimized/rms_norm.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), heads = c.i64("heads"), hd = c.i64("head_dim");
    optimized::rms_norm_head(a.out<bf16>("y", {rows, heads, hd}), a.in<bf16>("x"), rows, heads, hd, kNormEps, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("warp per head"); };
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("rms_norm", rms_norm_backend);
V4_REGISTER_BACKEND("rms_norm", split_control_backend);
V4_REGISTER_BACKEND("rms_norm_head", rms_norm_head_backend);
}  // namespace v4::harness::cuda
