// `cuda` backends of the mHC ops: mhc_pre (optimized/mhc_pre.h: the fused cluster kernel), mhc_head
// (mhc_head.h), mhc_post (mhc_post.h) and the decode boundary mhc_boundary (mhc_boundary.h: hc_post
// and the next hc_pre in one cooperative launch). The earlier versions stay registered as
// `cuda_two_pass` (hc_pre: FP64-MMA partials + finish; the boundary: hc_post, then that hc_pre) so
// that one GPU run times both.
#include <fmt/format.h>

#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/mhc_inputs.h"
#include "optimized/mhc_boundary.h"
#include "optimized/mhc_head.h"
#include "optimized/mhc_post.h"
#include "optimized/mhc_pre.h"

namespace v4::harness::cuda {
namespace {


std::vector<int64_t> tile_threshold(const Case&) { return {optimized::kHcSmallTileTokens}; }
std::string tile_path(const Case&, int64_t tokens) {
  return tokens > optimized::kHcSmallTileTokens ? "dmma mix, 16 tokens/warp" : "dmma mix, 8 tokens/warp";
}

void launch_pre_two_pass(const Case& c, DeviceArgs& a, const bf16* x, const char* post_name, const char* comb_name,
                         cudaStream_t st) {
  const int64_t t = c.i64("tokens"), d = c.i64("dim");
  optimized::hc_pre_two_pass(a.out<bf16>("y", {t, d}), a.out<float>(post_name, {t, 4}),
                             a.out<float>(comb_name, {t, 4, 4}), x, a.in<float>("fn"), a.in<float>("base"),
                             a.in<float>("scale"), t, d, int(c.i64("iters")), kHcEps, kNormEps, st);
}

void launch_post(const Case& c, DeviceArgs& a, bf16* out, cudaStream_t st) {
  optimized::hc_post(out, a.in<bf16>("f"), a.in<bf16>("residual"), a.in<float>("post"), a.in<float>("comb"),
                     c.i64("tokens"), c.i64("dim"), st);
}

Backend hc_pre_backend() {
  CudaBackendSpec s;
  s.description = "one launch: cluster of 8 CTAs per token tile, X once into smem, fp32 mixes, DSMEM partials, "
                  "on-chip Sinkhorn (optimized/mhc_pre_fused.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t t = c.i64("tokens"), d = c.i64("dim");
    optimized::hc_pre(a.out<bf16>("y", {t, d}), a.out<float>("post", {t, 4}), a.out<float>("comb", {t, 4, 4}),
                      a.in<bf16>("x"), a.in<float>("fn"), a.in<float>("base"), a.in<float>("scale"), t, d,
                      int(c.i64("iters")), kHcEps, kNormEps, st);
  };
  s.dispatch_path = [](const Case& c, int64_t) {
    return fmt::format("cluster of 8, {} tokens per tile", optimized::hc_pre_tile_tokens(c.i64("dim")));
  };
  return make_cuda_backend(std::move(s));
}

Backend hc_pre_two_pass_backend() {
  CudaBackendSpec s;
  s.name = "cuda_two_pass";
  s.description = "FP64-MMA mix partials + finish with on-chip Sinkhorn (optimized/mhc_pre.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    launch_pre_two_pass(c, a, a.in<bf16>("x"), "post", "comb", st);
  };
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
  s.description = "hc_post + next hc_pre in one cooperative launch: CTA per 64 dims, partials in a fixed order "
                  "through global scratch and 2 grid barriers per 16 tokens (optimized/mhc_boundary.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t t = c.i64("tokens"), d = c.i64("dim");
    optimized::hc_boundary(a.out<bf16>("residual_out", {t, 4, d}), a.out<bf16>("y", {t, d}),
                           a.out<float>("post_next", {t, 4}), a.out<float>("comb_next", {t, 4, 4}), a.in<bf16>("f"),
                           a.in<bf16>("residual"), a.in<float>("post"), a.in<float>("comb"), a.in<float>("fn"),
                           a.in<float>("base"), a.in<float>("scale"), t, d, int(c.i64("iters")), kHcEps, kNormEps, st);
  };
  // Chunks of 16 tokens: more chunks change the schedule, never a token's arithmetic.
  s.dispatch_thresholds = [](const Case&) { return std::vector<int64_t>{16}; };
  s.dispatch_path = [](const Case&, int64_t tokens) {
    return tokens > 16 ? std::string("cooperative, several 16-token chunks") : std::string("cooperative, one chunk");
  };
  return make_cuda_backend(std::move(s));
}

Backend hc_boundary_two_pass_backend() {
  CudaBackendSpec s;
  s.name = "cuda_two_pass";
  s.description = "hc_post then the two-pass hc_pre: 3 launches on one stream (optimized/mhc_post.cu, mhc_pre.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    bf16* residual = a.out<bf16>("residual_out", {c.i64("tokens"), 4, c.i64("dim")});
    launch_post(c, a, residual, st);
    launch_pre_two_pass(c, a, residual, "post_next", "comb_next", st);
  };
  s.dispatch_thresholds = tile_threshold;
  s.dispatch_path = tile_path;
  return make_cuda_backend(std::move(s));
}

}  // namespace
V4_REGISTER_BACKEND("mhc_pre", hc_pre_backend);
V4_REGISTER_BACKEND("mhc_pre", hc_pre_two_pass_backend);
V4_REGISTER_BACKEND("mhc_post", hc_post_backend);
V4_REGISTER_BACKEND("mhc_head", hc_head_backend);
V4_REGISTER_BACKEND("mhc_boundary", hc_boundary_backend);
V4_REGISTER_BACKEND("mhc_boundary", hc_boundary_two_pass_backend);
}  // namespace v4::harness::cuda
