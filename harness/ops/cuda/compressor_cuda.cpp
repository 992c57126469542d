// `cuda` backends of compressor_pool and compressor_pool_indexer (optimized/compressor.h).
#include "harness/ops/cuda/cuda_backend.h"
#include "optimized/compressor.h"

namespace v4::harness::cuda {
namespace {

Backend pool_backend() {
  CudaBackendSpec s;
  s.description =
      "block per entry, thread per channel: the reference's pooling loop, block double sum for "
      "the norm, RoPE, FP8 or Hadamard + FP4 sim (optimized/compressor.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t batch = c.i64("batch"), tokens = c.i64("tokens"), hd = c.i64("hd");
    reference::CompressorParams p; // as pool_params in harness/ops/compressor_pool_op.cpp
    p.head_dim = hd;
    p.ratio = c.i64("ratio");
    p.rotate = c.i64("rotate") != 0;
    p.norm_eps = 1e-6f;
    p.rope = reference::rope_params_for_layer(reference::ModelConfig{}, p.ratio);
    p.norm = a.in<float>("norm");
    optimized::compressor_pool_blocks_batched(a.out<bf16>("entries", {batch, tokens / p.ratio, hd}),
                                              a.in<float>("kv"), a.in<float>("score"), batch,
                                              tokens, p, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("block per entry"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("compressor_pool", pool_backend);
V4_REGISTER_BACKEND("compressor_pool_indexer", pool_backend);
} // namespace v4::harness::cuda
