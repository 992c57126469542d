// `cuda` backend of rope (optimized/rope.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/rope.h"

namespace v4::harness::cuda {
namespace {

// The layer's table, as harness/ops/rope_op.cpp builds it (the preview config, rope_dim 64).
reference::RopeParams params_of(const Case& c) {
  reference::ModelConfig cfg;
  cfg.rope_head_dim = 64;
  return reference::rope_params_for_layer(cfg, c.i64("ratio"));
}

Backend rope_backend() {
  CudaBackendSpec s;
  s.description =
      "block per token: 32 double sincos into shared memory, heads streamed in 16-byte vectors "
      "(optimized/rope.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t rows = c.i64("rows"), heads = c.i64("heads"), hd = c.i64("head_dim");
    optimized::rope_apply(a.out<bf16>("y", {rows, heads, hd}), a.in<bf16>("x"),
                          a.in<int64_t>("positions"), rows, heads, hd, params_of(c),
                          c.i64("inverse") != 0, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block per token"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("rope", rope_backend);
} // namespace v4::harness::cuda
