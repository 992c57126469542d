// `cuda` backends of the mHC ops: mhc_pre, mhc_head (optimized/mhc_pre.h, mhc_head.h), mhc_post
// (optimized/mhc_post.h) and the decode boundary mhc_boundary (hc_post then hc_pre, timed together).
#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/mhc_inputs.h"
#include "optimized/mhc_head.h"
#include "optimized/mhc_post.h"
#include "optimized/mhc_pre.h"

namespace v4::harness::cuda {
namespace {


std::vector<int64_t> tile_threshold(const Case&) { return {optimized::kHcSmallTileTokens}; }
std::string tile_path(const Case&, int64_t tokens) {
  return tokens > optimized::kHcSmallTileTokens ? "dmma mix, 16 tokens/warp" : "dmma mix, 8 tokens/warp";
}

void launch_pre(const Case& c, DeviceArgs& a, const bf16* x, const char* post_name, const char* comb_name,
                cudaStream_t st) {
  const int64_t t = c.i64("tokens"), d = c.i64("dim");
  optimized::hc_pre(a.out<bf16>("y", {t, d}), a.out<float>(post_name, {t, 4}), a.out<float>(comb_name, {t, 4, 4}), x,
                    a.in<float>("fn"), a.in<float>("base"), a.in<float>("scale"), t, d, int(c.i64("iters")), kHcEps, kNormEps, st);
}

void launch_post(const Case& c, DeviceArgs& a, bf16* out, cudaStream_t st) {
  optimized::hc_post(out, a.in<bf16>("f"), a.in<bf16>("residual"), a.in<float>("post"), a.in<float>("comb"),
                     c.i64("tokens"), c.i64("dim"), st);
}

Backend hc_pre_backend() {
  CudaBackendSpec s;
  s.description = "FP64-MMA mix partials + finish with on-chip Sinkhorn (optimized/mhc_pre.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) { launch_pre(c, a, a.in<bf16>("x"), "post", "comb", st); };
  s.dispatch_thresholds = tile_threshold;
  s.dispatch_path = tile_path;
  return make_cuda_backend(std::move(s));
}

Backend hc_post_backend() {
  CudaBackendSpec s;
  s.description = "thread per 8 dims, double FMAs in the reference's order (optimized/mhc_post.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    launch_post(c, a, a.out<bf16>("out", {c.i64("tokens"), 4, c.i64("dim")}), st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("grid-stride, 8 dims per thread"); };
  return make_cuda_backend(std::move(s));
}

Backend hc_head_backend() {
  CudaBackendSpec s;
  s.description = "the hc_pre kernels with 4 mixes (optimized/mhc_pre.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t t = c.i64("tokens"), d = c.i64("dim");
    optimized::hc_head(a.out<bf16>("y", {t, d}), a.in<bf16>("x"), a.in<float>("fn"), a.in<float>("base"),
                       a.in<float>("scale"), t, d, kHcEps, kNormEps, st);
  };
  s.dispatch_thresholds = tile_threshold;
  s.dispatch_path = tile_path;
  return make_cuda_backend(std::move(s));
}

Backend hc_boundary_backend() {
  CudaBackendSpec s;
  s.description = "hc_post then hc_pre: 3 launches on one stream (optimized/mhc_post.cu, mhc_pre.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    bf16* residual = a.out<bf16>("residual_out", {c.i64("tokens"), 4, c.i64("dim")});
    launch_post(c, a, residual, st);
    launch_pre(c, a, residual, "post_next", "comb_next", st);
  };
  s.dispatch_thresholds = tile_threshold;
  s.dispatch_path = tile_path;
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("mhc_pre", hc_pre_backend);
V4_REGISTER_BACKEND("mhc_post", hc_post_backend);
V4_REGISTER_BACKEND("mhc_head", hc_head_backend);
V4_REGISTER_BACKEND("mhc_boundary", hc_boundary_backend);
}  // namespace v4::harness::cuda
