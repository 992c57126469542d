// `cuda` backends of moe_gate (projection + routing) and moe_gate_route (routing from logits),
// optimized/moe_gate.h.
#include "harness/ops/cuda/cuda_backend.h"
#include "harness/ops/moe_gate_inputs.h"
#include "optimized/moe_gate.h"

namespace v4::harness::cuda {
namespace {

Backend moe_gate_backend() {
  CudaBackendSpec s;
  s.description =
      "FP64 SIMT GEMM (64x64 tiles, fma chains in index order) + sqrt(softplus), then a warp per "
      "token: D4 arg-max rounds or tid2eid (optimized/moe_gate.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t tokens = c.i64("tokens"), dim = c.i64("dim"), experts = c.i64("experts"),
                  k = c.i64("k");
    float* scores = a.out<float>("scores", {tokens, experts});
    float* weights = a.out<float>("weights", {tokens, k});
    int32_t* indices = a.out<int32_t>("indices", {tokens, k});
    optimized::moe_gate_scores(scores, a.in<bf16>("x"), a.in<bf16>("w"), tokens, dim, experts, st);
    if (c.i64_or("hash", 0)) {
      optimized::moe_gate_hash(weights, indices, scores, a.in<int32_t>("tid2eid"),
                               a.in<int64_t>("ids"), tokens, experts, k, kGateVocab,
                               gate_route_scale(c), st);
    } else {
      optimized::moe_gate_route(weights, indices, scores, a.in<float>("bias"), tokens, experts, k,
                                gate_route_scale(c), st);
    }
  };
  s.dispatch_path = [](const Case&, int64_t) {
    return std::string("64x64 FP64 tiles; warp per token");
  };
  return make_cuda_backend(std::move(s));
}

Backend moe_gate_route_backend() {
  CudaBackendSpec s;
  s.description =
      "warp per token: fp32 sqrt(softplus) filter with a derived enclosure, double scores of the "
      "candidates only, D4 arg-max rounds by redux.sync, or tid2eid (optimized/moe_gate.cu)";
  s.launch = [](const Case& c, DeviceArgs& a, cudaStream_t st) {
    const int64_t tokens = c.i64("tokens"), k = c.i64("k");
    reference::GateParams p;
    p.experts = c.i64("experts");
    p.k = k;
    p.route_scale = gate_route_scale(c);
    if (c.i64_or("hash", 0)) {
      p.tid2eid = a.in<int32_t>("tid2eid");
      p.vocab = kGateVocab;
    } else {
      p.bias = a.in<float>("bias");
    }
    optimized::moe_gate_from_logits(a.out<float>("weights", {tokens, k}),
                                    a.out<int32_t>("indices", {tokens, k}), a.in<float>("logits"),
                                    a.in<int64_t>("ids"), p, tokens, st);
  };
  s.dispatch_path = [](const Case&, int64_t) { return std::string("warp per token; fp32 filter"); };
  return make_cuda_backend(std::move(s));
}

} // namespace
V4_REGISTER_BACKEND("moe_gate", moe_gate_backend);
V4_REGISTER_BACKEND("moe_gate_route", moe_gate_route_backend);
} // namespace v4::harness::cuda
