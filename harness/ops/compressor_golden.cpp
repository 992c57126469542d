// Golden checkers for compressor_r4_main, compressor_r128_main and compressor_r4_indexer:
// [C]'s Compressor.forward, prefill of S = 300 tokens then T = 86 decode tokens.
#include <cmath>
#include <vector>

#include "harness/ops/attention_golden_util.h"
#include "harness/ops/op_util.h"
#include "reference/compressor.h"

namespace v4::harness {
namespace {

std::vector<GoldenLine> check_compressor(const GoldenCase& gc, int64_t ratio, bool rotate) {
  const reference::ModelConfig cfg = golden_model_config(gc);
  const Tensor wkv = gc.tensor("wkv.weight"), wgate = gc.tensor("wgate.weight"), ape = gc.tensor("ape"),
               norm = gc.tensor("norm.weight");
  reference::CompressorParams p;
  p.dim = cfg.dim;
  p.head_dim = norm.dim(0);
  p.ratio = ratio;
  p.rotate = rotate;
  p.norm_eps = float(cfg.norm_eps);
  p.rope = reference::rope_params_for_layer(cfg, ratio);
  p.wkv = wkv.data<float>();
  p.wgate = wgate.data<float>();
  p.ape = ape.data<float>();
  p.norm = norm.data<float>();
  const int64_t hd = p.head_dim;

  const Tensor xp = gc.tensor("in.x_prefill"), xd = gc.tensor("in.x_decode");
  const int64_t S = xp.dim(1), T = xd.dim(1), dim = cfg.dim;
  std::vector<GoldenLine> lines;

  // Prefill entries and the state they leave.
  std::vector<bf16> cache(static_cast<size_t>((S + T) / ratio * hd));
  reference::CompressorState state;
  reference::compressor_prefill(cache.data(), &state, xp.data<bf16>(), S, p);
  const Tensor prefill = tensor_from(std::vector<bf16>(cache.begin(), cache.begin() + S / ratio * hd), {S / ratio, hd});
  lines.push_back(golden_compare(gc, "out.prefill", prefill, reshaped(gc.tensor("out.prefill"), {S / ratio, hd}),
                                 ComparePolicy::bitwise("exploratory")));
  lines.push_back(golden_compare(gc, "trace.kv_state_after_prefill", tensor_from(state.kv, {p.slots(), p.width()}),
                                 gc.tensor("trace.kv_state_after_prefill"), ComparePolicy::bitwise("exploratory")));
  lines.push_back(golden_compare(gc, "trace.score_state_after_prefill",
                                 tensor_from(state.score, {p.slots(), p.width()}),
                                 gc.tensor("trace.score_state_after_prefill"), ComparePolicy::bitwise("exploratory")));

  // Decode tokens S..S+T-1.
  std::vector<bf16> emitted;
  std::vector<int64_t> emitted_pos;
  std::vector<bf16> entry(static_cast<size_t>(hd));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t pos = S + t;
    if (reference::compressor_decode(entry.data(), state, xd.data<bf16>() + t * dim, pos, p)) {
      emitted.insert(emitted.end(), entry.begin(), entry.end());
      emitted_pos.push_back(pos);
      std::copy(entry.begin(), entry.end(), cache.begin() + ((pos + 1) / ratio - 1) * hd);
    }
  }
  const int64_t n = int64_t(emitted_pos.size());
  lines.push_back(golden_compare(gc, "out.decode_emitted_pos", tensor_from(emitted_pos, {n}),
                                 gc.tensor("out.decode_emitted_pos"), ComparePolicy::bitwise("emission rule")));
  lines.push_back(golden_compare(gc, "out.decode_emitted", tensor_from(emitted, {n, hd}),
                                 reshaped(gc.tensor("out.decode_emitted"), {n, hd}), ComparePolicy::bitwise("exploratory")));
  lines.push_back(golden_compare(gc, "out.kv_cache", tensor_from(cache, {(S + T) / ratio, hd}),
                                 gc.tensor("out.kv_cache"), ComparePolicy::bitwise("exploratory")));

  // Our own prefill(S+T) must equal prefill(S) + decode bit for bit (one pooling code path).
  std::vector<bf16> all(static_cast<size_t>((S + T) / ratio * hd)), x(static_cast<size_t>((S + T) * dim));
  std::copy(xp.data<bf16>(), xp.data<bf16>() + S * dim, x.begin());
  std::copy(xd.data<bf16>(), xd.data<bf16>() + T * dim, x.begin() + S * dim);
  reference::compressor_prefill(all.data(), nullptr, x.data(), S + T, p);
  GoldenLine self = golden_compare(gc, "reference prefill(S+T) vs prefill(S)+decode", tensor_from(all, {(S + T) / ratio, hd}),
                                   tensor_from(cache, {(S + T) / ratio, hd}), ComparePolicy::bitwise("one pooling path"));
  lines.push_back(self);
  return lines;
}

}  // namespace
V4_REGISTER_GOLDEN("compressor_r4_main", [](const GoldenCase& gc) { return check_compressor(gc, 4, false); });
V4_REGISTER_GOLDEN("compressor_r128_main", [](const GoldenCase& gc) { return check_compressor(gc, 128, false); });
V4_REGISTER_GOLDEN("compressor_r4_indexer", [](const GoldenCase& gc) { return check_compressor(gc, 4, true); });
}  // namespace v4::harness
